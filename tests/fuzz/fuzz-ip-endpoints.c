/* fuzz-ip-endpoints.c — libFuzzer target for JSON bodies through the HAP/IP endpoints
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One accessory server (hap-test-client.h's fixture: its own thread, 127.0.0.1, no
 * mDNS) serves an accessory with a characteristic of every format, some of them timed
 * writes; one controller pairs once. Each input is then one request on that verified
 * session: selector byte bit 0 picks PUT /characteristics or PUT /prepare, the rest is
 * the body, exactly as a paired controller could send it.
 *
 * Properties (abort() if not): every body gets an HTTP answer on the same encrypted
 * connection, 200/204/207 or a 4xx, never a crash, a hang or a closed connection; a 400
 * carries {"status":-70410}. The JSON pre-scan (hap-json.c) is checked on its own: when
 * json-glib could parse the body, what it writes back passes the same depth check.
 */
#include "hap-test-client.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* iids are fixed so that seed bodies can name them. */
static const char ACCESSORY[] =
  "{\"accessories\":[{\"name\":\"Fuzz\",\"category\":\"LIGHTBULB\",\"services\":["
  "{\"type\":\"Lightbulb\",\"iid\":8,\"characteristics\":["
  "{\"type\":\"On\",\"iid\":9,\"value\":false},"
  "{\"type\":\"Brightness\",\"iid\":10,\"value\":50},"
  "{\"type\":\"Hue\",\"iid\":11,\"value\":0},"
  "{\"type\":\"Name\",\"iid\":12,\"value\":\"Lamp\"},"
  "{\"type\":\"00000001-0000-1000-8000-00000000F022\",\"iid\":13,\"format\":\"uint64\",\"perms\":[\"pr\",\"pw\",\"ev\"]},"
  "{\"type\":\"00000002-0000-1000-8000-00000000F022\",\"iid\":14,\"format\":\"int\",\"perms\":[\"pr\",\"pw\",\"tw\"],"
  "\"minValue\":-100,\"maxValue\":100,\"minStep\":5},"
  "{\"type\":\"00000003-0000-1000-8000-00000000F022\",\"iid\":15,\"format\":\"tlv8\",\"perms\":[\"pr\",\"pw\",\"wr\"]},"
  "{\"type\":\"00000004-0000-1000-8000-00000000F022\",\"iid\":16,\"format\":\"data\",\"perms\":[\"pr\",\"pw\"],\"maxDataLen\":64},"
  "{\"type\":\"00000005-0000-1000-8000-00000000F022\",\"iid\":17,\"format\":\"string\",\"perms\":[\"pr\",\"pw\",\"tw\"],\"maxLen\":8},"
  "{\"type\":\"00000006-0000-1000-8000-00000000F022\",\"iid\":18,\"format\":\"uint8\",\"perms\":[\"pr\",\"pw\",\"ev\"],"
  "\"validValues\":[0,2,4]},"
  "{\"type\":\"00000007-0000-1000-8000-00000000F022\",\"iid\":19,\"format\":\"float\",\"perms\":[\"pw\"]}"
  "]}]}]}";

static HapTestServer *server;
static HapTestClient *client;
static char          *state_dir;

static void
check (gboolean condition)
{
  if (!condition)
    abort ();
}

static void
cleanup (void)
{
  g_autofree char *cmd = NULL;

  g_clear_pointer (&client, hap_test_client_free);
  g_clear_pointer (&server, hap_test_server_stop);
  cmd = g_strdup_printf ("rm -rf '%s'", state_dir);
  check (system (cmd) == 0);
  g_clear_pointer (&state_dir, g_free);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  state_dir = g_dir_make_tmp ("hap-fuzz-ip-XXXXXX", NULL);
  check (state_dir != NULL);
  server = hap_test_server_start (NULL, ACCESSORY, state_dir);
  client = hap_test_client_new ("FUZZ-CONTROLLER");
  hap_test_client_connect (client, hap_test_server_get_port (server));
  check (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0) == 0);
  check (hap_test_client_pair_verify (client) == 0);
  atexit (cleanup);
  return 0;
}

static void
check_depth_scan (const char *body, gsize len)
{
  g_autoptr(JsonNode) node = hap_json_parse (body, (gssize) len, NULL);
  g_autofree char *again = NULL;

  if (node == NULL)
    return;
  check (hap_json_check_depth (body, (gssize) len, HAP_JSON_MAX_DEPTH, NULL, NULL));
  again = json_to_string (node, FALSE);
  check (hap_json_check_depth (again, -1, HAP_JSON_MAX_DEPTH, NULL, NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(HapHttpMessage) response = NULL;
  const char *target;
  const char *body;
  gsize len;

  if (size < 1)
    return 0;
  target = (data[0] & 1) ? "/prepare" : "/characteristics";
  body = (const char *) data + 1;
  len = size - 1;

  check_depth_scan (body, len);

  response = hap_test_client_request (client, "PUT", target, "application/hap+json", body, len);
  check (response != NULL);
  check (response->status == 200 || response->status == 204 || response->status == 207 ||
         (response->status >= 400 && response->status < 500));
  if (response->status == 400)
    {
      gsize n;
      const char *text = g_bytes_get_data (response->body, &n);

      check (n == strlen ("{\"status\":-70410}") && memcmp (text, "{\"status\":-70410}", n) == 0);
    }
  return 0;
}
