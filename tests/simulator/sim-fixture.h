/* sim-fixture.h — a simulator accessory served on its own thread, and controllers for it
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hap-sim-accessory.h"
#include "hap-test-client.h"

G_BEGIN_DECLS

typedef struct _SimFixture SimFixture;

/* Loads @json_file (a path; relative paths are under accessories/), or @json_text when
 * @json_file is NULL, into a HapSimAccessory listening on 127.0.0.1 with setup code
 * HAP_TEST_SETUP_CODE, a fresh temporary state directory, no advertising and an event
 * window of 0 ms. Aborts the test on failure. */
SimFixture    *sim_fixture_start          (const char  *json_file,
                                           const char  *json_text);
guint16        sim_fixture_get_port       (SimFixture  *fixture);
/* Enables @quirk with parameters in GVariant text format ("{'delay-ms': <3000>}", or
 * NULL for the defaults) on the fixture's thread; aborts on error. */
void           sim_fixture_enable_quirk   (SimFixture  *fixture,
                                           const char  *quirk,
                                           const char  *params_text);
gboolean       sim_fixture_try_enable_quirk (SimFixture *fixture,
                                           const char  *quirk,
                                           const char  *params_text,
                                           GError     **error);
void           sim_fixture_disable_quirk  (SimFixture  *fixture,
                                           const char  *quirk);
/* Runs @func on the fixture's thread (where the accessory lives) and waits for it. */
void           sim_fixture_invoke         (SimFixture  *fixture,
                                           void       (*func) (HapSimAccessory *accessory,
                                                               gpointer         user_data),
                                           gpointer     user_data);
/* Changes a value as the device would (hap_sim_accessory_set_value: subscribers get
 * events); @spec as hap_sim_accessory_find() takes it. Aborts on error. */
void           sim_fixture_set_value      (SimFixture  *fixture,
                                           const char  *spec,
                                           GVariant    *value);
/* A new connection, not verified. */
HapTestClient *sim_fixture_connect        (SimFixture  *fixture);
/* A new connection of the fixture's admin controller, verified (pairs on first use). */
HapTestClient *sim_fixture_connect_paired (SimFixture  *fixture);
void           sim_fixture_stop           (SimFixture  *fixture);

G_END_DECLS
