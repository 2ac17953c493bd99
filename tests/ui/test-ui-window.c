/* test-ui-window.c — placeholder; replaced by its owner */
#include "ui-fixture.h"

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  return g_test_run ();
}
