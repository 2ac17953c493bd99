/* test-quirks-http.c — the HTTP-layer quirks on the wire: each one on, the exact bytes
 * or behaviour a controller sees, then off and conforming again
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "sim-fixture.h"

/* One accessory for the whole file (lightbulb.json): each test turns its quirk off
 * again before it ends. */
static SimFixture *fx;
static guint64     on_iid;          /* Lightbulb/On */
static guint64     brightness_iid;  /* Lightbulb/Brightness */

#define QUIET_MS    150    /* read_raw: the message is over when nothing came for this long */
#define SILENCE_MS  400    /* "no answer": nothing within this long */
#define CT_JSON     "application/hap+json"

/* ---- helpers ----------------------------------------------------------------------- */

/* The bytes as a string; frees @raw. */
static char *
raw_text (GByteArray *raw)
{
  char *text = g_strndup (raw->len > 0 ? (const char *) raw->data : "", raw->len);

  g_byte_array_unref (raw);
  return text;
}

/* Sends @request as one write and returns everything the accessory sent back. */
static char *
exchange (HapTestClient *client,
          const char    *request)
{
  hap_test_client_send_raw (client, (const guint8 *) request, strlen (request));
  return raw_text (hap_test_client_read_raw (client, QUIET_MS, 5000));
}

/* TRUE when nothing arrives within SILENCE_MS. */
static gboolean
silent (HapTestClient *client)
{
  g_autoptr(GByteArray) raw = hap_test_client_read_raw (client, SILENCE_MS, SILENCE_MS);

  return raw->len == 0;
}

static char *
get_request (const char *target)
{
  return g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", target);
}

static char *
on_target (void)
{
  return g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT, on_iid);
}

/* The read of On as the server writes it. */
static char *
on_body (gboolean value)
{
  return g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":%s}]}",
                          on_iid, value ? "true" : "false");
}

static char *
on_event (gboolean value)
{
  g_autofree char *body = on_body (value);

  return g_strdup_printf ("EVENT/1.0 200 OK\r\nContent-Type: " CT_JSON "\r\nContent-Length: %zu\r\n\r\n%s",
                          strlen (body), body);
}

/* "HTTP/1.1 200 OK…" answering a read of On, exactly as a conforming server sends it. */
static char *
on_response (gboolean value)
{
  g_autofree char *body = on_body (value);

  return g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: " CT_JSON "\r\nContent-Length: %zu\r\n\r\n%s",
                          strlen (body), body);
}

/* Reads On over @client and checks the conforming answer. */
static void
assert_conforming_read (HapTestClient *client)
{
  g_autofree char *target = on_target ();
  g_autofree char *request = get_request (target);
  g_autofree char *got = exchange (client, request);
  g_autofree char *want = on_response (TRUE);

  g_assert_cmpstr (got, ==, want);
}

static char *
read_on (HapTestClient *client)
{
  g_autofree char *target = on_target ();
  g_autofree char *request = get_request (target);

  return exchange (client, request);
}

typedef struct
{
  guint64  iid;
  GVariant *value;
} SetValue;

static void
do_set_value (HapSimAccessory *accessory, gpointer data)
{
  SetValue *sv = data;
  g_autoptr(GError) error = NULL;
  HapCharacteristic *characteristic = hap_sim_accessory_lookup (accessory, 1, sv->iid);

  g_assert_nonnull (characteristic);
  hap_sim_accessory_set_value (accessory, characteristic, sv->value, &error);
  g_assert_no_error (error);
}

static void
set_on (gboolean value)
{
  SetValue sv = { on_iid, g_variant_new_boolean (value) };

  sim_fixture_invoke (fx, do_set_value, &sv);
}

static void
subscribe_on (HapTestClient *client)
{
  g_autofree char *body = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true}]}",
                                           on_iid);
  g_autoptr(HapHttpMessage) response =
    hap_test_client_request (client, "PUT", "/characteristics", CT_JSON, body, strlen (body));

  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, 204);
}

/* A request whose whole plaintext is exactly @total bytes: the Host header is padded. */
static char *
sized_request (const char *target,
               gsize       total)
{
  g_autofree char *head = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1", target);
  GString *request = g_string_new (head);

  g_assert_cmpuint (strlen (head) + 4, <=, total);
  while (request->len + 4 < total)
    g_string_append_c (request, 'x');
  g_string_append (request, "\r\n\r\n");
  g_assert_cmpuint (request->len, ==, total);
  return g_string_free (request, FALSE);
}

/* ---- #9 http-single-write ------------------------------------------------------------ */

static void
send_split (HapTestClient *client, const char *request)
{
  gsize half = strlen (request) / 2;

  hap_test_client_send_raw (client, (const guint8 *) request, half);
  g_usleep (100 * 1000);   /* two TCP segments, two reads */
  hap_test_client_send_raw (client, (const guint8 *) request + half, strlen (request) - half);
}

static void
test_single_write (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autoptr(HapTestClient) other = NULL;
  g_autoptr(HapTestClient) third = NULL;
  g_autofree char *target = on_target ();
  g_autofree char *request = get_request (target);
  g_autofree char *want = on_response (TRUE);
  g_autofree char *got = NULL;

  sim_fixture_enable_quirk (fx, "http-single-write", NULL);
  /* One write: served. */
  assert_conforming_read (client);
  /* Split: never answered, and the connection stays open but busy. */
  send_split (client, request);
  g_assert_true (silent (client));
  g_assert_false (hap_test_client_wait_closed (client, 100));

  /* action=close: the split request closes the connection. */
  sim_fixture_enable_quirk (fx, "http-single-write", "{'action': <'close'>}");
  other = sim_fixture_connect_paired (fx);
  send_split (other, request);
  g_assert_true (hap_test_client_wait_closed (other, 2000));

  sim_fixture_disable_quirk (fx, "http-single-write");
  third = sim_fixture_connect_paired (fx);
  send_split (third, request);
  got = raw_text (hap_test_client_read_raw (third, QUIET_MS, 5000));
  g_assert_cmpstr (got, ==, want);
}

/* ---- #10 http-host-required --------------------------------------------------------- */

#define BARE_400 "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"

static void
test_host_required (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autoptr(HapTestClient) other = sim_fixture_connect_paired (fx);
  g_autofree char *target = on_target ();
  g_autofree char *no_host = g_strdup_printf ("GET %s HTTP/1.1\r\n\r\n", target);
  g_autofree char *with_port = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
                                                target, sim_fixture_get_port (fx));
  g_autofree char *want = on_response (TRUE);
  char *got;

  sim_fixture_enable_quirk (fx, "http-host-required", NULL);
  got = exchange (client, no_host);
  g_assert_cmpstr (got, ==, BARE_400);
  g_free (got);
  assert_conforming_read (client);
  got = exchange (client, with_port);
  g_assert_cmpstr (got, ==, want);
  g_free (got);

  /* Lennox: a Host with :port is refused (hap-controller always sends one). */
  sim_fixture_enable_quirk (fx, "http-host-required", "{'port': <'forbidden'>}");
  got = exchange (client, with_port);
  g_assert_cmpstr (got, ==, BARE_400);
  g_free (got);
  assert_conforming_read (client);

  /* HA #32729: the port is wanted. */
  sim_fixture_enable_quirk (fx, "http-host-required", "{'port': <'required'>}");
  got = read_on (client);
  g_assert_cmpstr (got, ==, BARE_400);
  g_free (got);
  got = exchange (client, with_port);
  g_assert_cmpstr (got, ==, want);
  g_free (got);

  /* A Host longer than the device's buffer closes the connection. */
  sim_fixture_enable_quirk (fx, "http-host-required", "{'max-length': <uint32 8>}");
  g_free (read_on (other));
  g_assert_true (hap_test_client_wait_closed (other, 2000));

  sim_fixture_disable_quirk (fx, "http-host-required");
  got = exchange (client, no_host);
  g_assert_cmpstr (got, ==, want);
  g_free (got);
}

/* ---- #11 http-min-request-size ------------------------------------------------------ */

static void
test_min_request_size (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autoptr(HapTestClient) other = NULL;
  g_autofree char *target = on_target ();
  g_autofree char *short_request = sized_request (target, 57);
  g_autofree char *long_request = sized_request (target, 58);
  g_autofree char *want = on_response (TRUE);
  char *got;

  sim_fixture_enable_quirk (fx, "http-min-request-size", NULL);
  hap_test_client_send_raw (client, (const guint8 *) short_request, strlen (short_request));
  g_assert_true (silent (client));
  /* Dropped, not hung: the padded request on the same connection is answered. */
  got = exchange (client, long_request);
  g_assert_cmpstr (got, ==, want);
  g_free (got);

  /* action=hang: nothing on this connection is answered any more. */
  sim_fixture_enable_quirk (fx, "http-min-request-size", "{'min-bytes': <uint32 100>, 'action': <'hang'>}");
  other = sim_fixture_connect_paired (fx);   /* Pair Verify is plaintext: not affected */
  hap_test_client_send_raw (other, (const guint8 *) long_request, strlen (long_request));
  g_assert_true (silent (other));
  {
    g_autofree char *padded = sized_request (target, 100);
    hap_test_client_send_raw (other, (const guint8 *) padded, strlen (padded));
    g_assert_true (silent (other));
  }

  sim_fixture_disable_quirk (fx, "http-min-request-size");
  got = exchange (client, short_request);
  g_assert_cmpstr (got, ==, want);
  g_free (got);
}

/* ---- #12 http-strict-header-order --------------------------------------------------- */

static void
test_strict_header_order (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *body = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":true}]}",
                                           on_iid);
  g_autofree char *length_first =
    g_strdup_printf ("PUT /characteristics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %zu\r\n"
                     "Content-Type: " CT_JSON "\r\n\r\n%s", strlen (body), body);
  g_autoptr(HapHttpMessage) response = NULL;
  char *got;

  sim_fixture_enable_quirk (fx, "http-strict-header-order", NULL);
  /* This tree's controller (like hap-controller) sends Content-Type first. */
  response = hap_test_client_request (client, "PUT", "/characteristics", CT_JSON, body, strlen (body));
  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, 400);
  g_assert_cmpuint (g_bytes_get_size (response->body), ==, 0);
  got = exchange (client, length_first);
  g_assert_cmpstr (got, ==, "HTTP/1.1 204 No Content\r\n\r\n");
  g_free (got);
  /* Requests without a body are not affected. */
  assert_conforming_read (client);

  sim_fixture_disable_quirk (fx, "http-strict-header-order");
  {
    g_autoptr(HapTestClient) again = sim_fixture_connect_paired (fx);
    g_autoptr(HapHttpMessage) ok =
      hap_test_client_request (again, "PUT", "/characteristics", CT_JSON, body, strlen (body));
    g_assert_nonnull (ok);
    g_assert_cmpuint (ok->status, ==, 204);
  }
}

/* ---- #13 http-no-pipelining --------------------------------------------------------- */

static void
test_no_pipelining (void)
{
  g_autoptr(HapTestClient) client = NULL;
  g_autoptr(HapTestClient) slow = NULL;
  g_autoptr(HapTestClient) other = NULL;
  g_autofree char *target = on_target ();
  g_autofree char *one = get_request (target);
  g_autofree char *two = g_strconcat (one, one, NULL);
  g_autofree char *want = on_response (TRUE);
  g_autofree char *want_two = g_strconcat (want, want, NULL);
  char *got;

  /* On before the connection exists, so that it counts every byte of it. */
  sim_fixture_enable_quirk (fx, "http-no-pipelining", NULL);
  client = sim_fixture_connect_paired (fx);
  assert_conforming_read (client);
  assert_conforming_read (client);
  /* Two requests in one write: no answer, the connection closes. */
  got = exchange (client, two);
  g_assert_cmpstr (got, ==, "");
  g_free (got);
  g_assert_true (hap_test_client_wait_closed (client, 2000));

  /* A second request sent while a slow first one is outstanding, in its own write. */
  sim_fixture_enable_quirk (fx, "fault-slow-handler", "{'delay-ms': <uint32 400>}");
  slow = sim_fixture_connect_paired (fx);
  assert_conforming_read (slow);   /* alone: late but answered */
  hap_test_client_send_raw (slow, (const guint8 *) one, strlen (one));
  g_usleep (100 * 1000);
  got = exchange (slow, one);
  g_assert_cmpstr (got, ==, "");
  g_free (got);
  g_assert_true (hap_test_client_wait_closed (slow, 2000));
  sim_fixture_disable_quirk (fx, "fault-slow-handler");

  sim_fixture_disable_quirk (fx, "http-no-pipelining");
  other = sim_fixture_connect_paired (fx);
  got = exchange (other, two);
  g_assert_cmpstr (got, ==, want_two);
  g_free (got);
}

/* ---- #14 http-lowercase-headers ----------------------------------------------------- */

static void
test_lowercase_headers (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *body = on_body (TRUE);
  g_autofree char *want = g_strdup_printf ("HTTP/1.1 200 OK\r\ncontent-type: " CT_JSON
                                           "\r\ncontent-length: %zu\r\n\r\n%s", strlen (body), body);
  g_autofree char *event_body = on_body (FALSE);
  g_autofree char *want_event = g_strdup_printf ("EVENT/1.0 200 OK\r\ncontent-type: " CT_JSON
                                                 "\r\ncontent-length: %zu\r\n\r\n%s",
                                                 strlen (event_body), event_body);
  g_autofree char *got = NULL;
  g_autofree char *event = NULL;

  subscribe_on (client);
  sim_fixture_enable_quirk (fx, "http-lowercase-headers", NULL);
  got = read_on (client);
  g_assert_cmpstr (got, ==, want);
  set_on (FALSE);
  event = raw_text (hap_test_client_read_raw (client, QUIET_MS, 5000));
  g_assert_cmpstr (event, ==, want_event);

  sim_fixture_disable_quirk (fx, "http-lowercase-headers");
  set_on (TRUE);
  g_free (event);
  event = raw_text (hap_test_client_read_raw (client, QUIET_MS, 5000));
  g_free (want_event);
  want_event = on_event (TRUE);
  g_assert_cmpstr (event, ==, want_event);
  assert_conforming_read (client);
}

/* ---- #15 http-bare-470 -------------------------------------------------------------- */

#define BARE_470 "HTTP/1.1 470 Connection Authorization Required\r\n\r\n"

static void
test_bare_470 (void)
{
  g_autoptr(HapTestClient) guest = sim_fixture_connect (fx);
  g_autoptr(HapTestClient) client = NULL;
  g_autofree char *target = on_target ();
  g_autofree char *request = get_request (target);
  g_autofree char *conforming = NULL;
  g_autofree char *want = on_response (TRUE);
  char *got;

  /* Before Pair Verify, as this server sends it. */
  conforming = exchange (guest, request);
  g_assert_true (g_str_has_prefix (conforming, "HTTP/1.1 470 Connection Authorization Required\r\n"
                                               "Content-Type: " CT_JSON "\r\nContent-Length: "));

  sim_fixture_enable_quirk (fx, "http-bare-470", NULL);
  got = exchange (guest, request);
  g_assert_cmpstr (got, ==, BARE_470);
  g_free (got);

  /* Inside an encrypted session, from the second request on. */
  sim_fixture_enable_quirk (fx, "http-bare-470", "{'secured-after': <uint32 2>}");
  client = sim_fixture_connect_paired (fx);
  assert_conforming_read (client);
  got = read_on (client);
  g_assert_cmpstr (got, ==, BARE_470);
  g_free (got);
  got = read_on (client);
  g_assert_cmpstr (got, ==, BARE_470);
  g_free (got);

  sim_fixture_disable_quirk (fx, "http-bare-470");
  got = read_on (client);
  g_assert_cmpstr (got, ==, want);
  g_free (got);
  got = exchange (guest, request);
  g_assert_cmpstr (got, ==, conforming);
  g_free (got);
}

/* ---- #16 http-pairing-error-status -------------------------------------------------- */

/* Pair Setup M1 from a second controller: the accessory is paired already, so M2 says
 * State=2, Error=Unavailable. */
static const guint8 setup_m1[] = { 0x06, 0x01, 0x01, 0x00, 0x01, 0x00 };

static GByteArray *
post_pair_setup_m1 (void)
{
  g_autoptr(HapTestClient) guest = sim_fixture_connect (fx);
  g_autofree char *head = g_strdup_printf ("POST /pair-setup HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                           "Content-Length: %zu\r\nContent-Type: application/pairing+tlv8\r\n\r\n",
                                           sizeof setup_m1);
  GByteArray *request = g_byte_array_new ();

  g_byte_array_append (request, (const guint8 *) head, (guint) strlen (head));
  g_byte_array_append (request, setup_m1, sizeof setup_m1);
  hap_test_client_send_raw (guest, request->data, request->len);
  g_byte_array_unref (request);
  return hap_test_client_read_raw (guest, QUIET_MS, 5000);
}

static const guint8 *
body_of (GByteArray *raw, gsize *len)
{
  const char *end = g_strstr_len ((const char *) raw->data, raw->len, "\r\n\r\n");

  g_assert_nonnull (end);
  *len = raw->len - (gsize) (end + 4 - (const char *) raw->data);
  return (const guint8 *) end + 4;
}

/* Whether RAW starts with PREFIX. RAW is not NUL-terminated, so not g_str_has_prefix (GLib
 * 2.76+ measures the whole string with strlen). */
static gboolean
raw_has_prefix (GByteArray *raw, const char *prefix)
{
  gsize len = strlen (prefix);

  return raw->len >= len && memcmp (raw->data, prefix, len) == 0;
}

static void
test_pairing_error_status (void)
{
  g_autoptr(HapTestClient) paired G_GNUC_UNUSED = sim_fixture_connect_paired (fx);   /* pairs first */
  g_autoptr(HapTestClient) verified = NULL;
  g_autoptr(GByteArray) conforming = post_pair_setup_m1 ();
  g_autoptr(GByteArray) quirky = NULL;
  g_autoptr(GByteArray) custom = NULL;
  g_autoptr(GByteArray) again = NULL;
  const guint8 *body, *quirky_body;
  gsize len, quirky_len;

  g_assert_true (raw_has_prefix (conforming, "HTTP/1.1 200 OK\r\n"));
  body = body_of (conforming, &len);
  /* State=2, Error=Unavailable */
  g_assert_cmpmem (body, len, ((const guint8[]) { 0x06, 0x01, 0x02, 0x07, 0x01, 0x06 }), 6);

  sim_fixture_enable_quirk (fx, "http-pairing-error-status", NULL);
  quirky = post_pair_setup_m1 ();
  g_assert_true (raw_has_prefix (quirky,
                                 "HTTP/1.1 400 Bad Request\r\nContent-Type: application/pairing+tlv8\r\n"
                                 "Content-Length: 6\r\n\r\n"));
  quirky_body = body_of (quirky, &quirky_len);
  g_assert_cmpmem (quirky_body, quirky_len, body, len);
  /* Successful steps keep 200: Pair Verify still works. */
  verified = sim_fixture_connect_paired (fx);
  assert_conforming_read (verified);

  sim_fixture_enable_quirk (fx, "http-pairing-error-status", "{'status': <uint32 470>}");
  custom = post_pair_setup_m1 ();
  g_assert_true (raw_has_prefix (custom, "HTTP/1.1 470 Connection Authorization Required\r\n"));

  sim_fixture_disable_quirk (fx, "http-pairing-error-status");
  again = post_pair_setup_m1 ();
  g_assert_cmpmem (again->data, again->len, conforming->data, conforming->len);
}

/* ---- #17 http-trailing-bytes -------------------------------------------------------- */

static void
test_trailing_bytes (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *want = on_response (TRUE);
  g_autofree char *want_crlf = g_strconcat (want, "\r\n", NULL);
  g_autofree char *want_custom = g_strconcat (want, "junk\n", NULL);
  char *got;

  sim_fixture_enable_quirk (fx, "http-trailing-bytes", NULL);
  got = read_on (client);
  g_assert_cmpstr (got, ==, want_crlf);
  g_free (got);
  sim_fixture_enable_quirk (fx, "http-trailing-bytes", "{'bytes': <'junk\\\\n'>}");
  got = read_on (client);
  g_assert_cmpstr (got, ==, want_custom);
  g_free (got);

  sim_fixture_disable_quirk (fx, "http-trailing-bytes");
  assert_conforming_read (client);
}

/* ---- #18 http-coalesce -------------------------------------------------------------- */

static void
test_coalesce (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *ev_off = on_event (FALSE);
  g_autofree char *ev_on = on_event (TRUE);
  g_autofree char *response_off = on_response (FALSE);
  g_autofree char *want_two = g_strconcat (ev_off, ev_on, NULL);
  g_autofree char *want_mixed = g_strconcat (ev_off, response_off, NULL);
  char *got;
  gint64 start;

  subscribe_on (client);
  sim_fixture_enable_quirk (fx, "http-coalesce", "{'hold-ms': <uint32 3000>}");
  /* EVENT + EVENT: the first is held, the second goes out at once with it. */
  set_on (FALSE);
  g_assert_true (silent (client));
  start = g_get_monotonic_time ();
  set_on (TRUE);
  got = raw_text (hap_test_client_read_raw (client, QUIET_MS, 5000));
  g_assert_cmpstr (got, ==, want_two);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2000 * 1000);
  g_free (got);

  /* EVENT + response: one write, EVENT first (HAP-NodeJS #640). */
  set_on (FALSE);
  g_assert_true (silent (client));
  got = read_on (client);
  g_assert_cmpstr (got, ==, want_mixed);
  g_free (got);

  /* Nothing else to share a write with: the EVENT goes out alone after hold-ms. */
  sim_fixture_enable_quirk (fx, "http-coalesce", "{'hold-ms': <uint32 300>}");
  start = g_get_monotonic_time ();
  set_on (TRUE);
  got = raw_text (hap_test_client_read_raw (client, QUIET_MS, 5000));
  g_assert_cmpstr (got, ==, ev_on);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 280 * 1000);
  g_free (got);

  /* Turning the quirk off lets a held EVENT go. */
  sim_fixture_enable_quirk (fx, "http-coalesce", "{'hold-ms': <uint32 10000>}");
  set_on (FALSE);
  g_assert_true (silent (client));
  sim_fixture_disable_quirk (fx, "http-coalesce");
  got = raw_text (hap_test_client_read_raw (client, QUIET_MS, 5000));
  g_assert_cmpstr (got, ==, ev_off);
  g_free (got);
  set_on (TRUE);
  got = raw_text (hap_test_client_read_raw (client, QUIET_MS, 5000));
  g_assert_cmpstr (got, ==, ev_on);
  g_free (got);

  start = g_get_monotonic_time ();
  set_on (FALSE);
  got = raw_text (hap_test_client_read_raw (client, QUIET_MS, 5000));
  g_assert_cmpstr (got, ==, ev_off);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 280 * 1000 + QUIET_MS * 1000);
  g_free (got);
  set_on (TRUE);
  got = raw_text (hap_test_client_read_raw (client, QUIET_MS, 5000));
  g_assert_cmpstr (got, ==, ev_on);
  g_free (got);
}

/* ---- #19 http-bulk-read-hang -------------------------------------------------------- */

/* A read of iids 1…@n: distinct, some not characteristics, so the answer is a 207. */
static char *
ids_target (guint n)
{
  GString *target = g_string_new ("/characteristics?id=");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (target, "%s1.%u", i > 0 ? "," : "", i + 1);
  return g_string_free (target, FALSE);
}

static void
test_bulk_read_hang (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autoptr(HapTestClient) other = NULL;
  g_autoptr(HapTestClient) third = NULL;
  g_autofree char *t48 = ids_target (48);
  g_autofree char *t49 = ids_target (49);
  g_autofree char *r48 = get_request (t48);
  g_autofree char *r49 = get_request (t49);
  g_autofree char *target = on_target ();
  g_autofree char *exact = sized_request (target, 1024);
  g_autofree char *near = sized_request (target, 1023);
  g_autofree char *want = on_response (TRUE);
  char *got;

  sim_fixture_enable_quirk (fx, "http-bulk-read-hang", NULL);
  got = exchange (client, r48);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 207 Multi-Status\r\n"));
  g_free (got);
  got = exchange (client, near);
  g_assert_cmpstr (got, ==, want);
  g_free (got);
  /* 49 ids: no answer, and the connection stays open, busy. */
  hap_test_client_send_raw (client, (const guint8 *) r49, strlen (r49));
  g_assert_true (silent (client));
  g_assert_false (hap_test_client_wait_closed (client, 100));

  /* A plaintext request of exactly 1024 bytes, however few ids. */
  other = sim_fixture_connect_paired (fx);
  hap_test_client_send_raw (other, (const guint8 *) exact, strlen (exact));
  g_assert_true (silent (other));

  sim_fixture_disable_quirk (fx, "http-bulk-read-hang");
  third = sim_fixture_connect_paired (fx);
  got = exchange (third, r49);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 207 Multi-Status\r\n"));
  g_free (got);
  got = exchange (third, exact);
  g_assert_cmpstr (got, ==, want);
  g_free (got);
}

/* ---- #20 http-uri-too-long ---------------------------------------------------------- */

static void
test_uri_too_long (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autoptr(HapTestClient) other = NULL;
  g_autofree char *t_long = ids_target (120);    /* > 512 */
  g_autofree char *t_short = ids_target (20);
  g_autofree char *r_long = get_request (t_long);
  g_autofree char *r_short = get_request (t_short);
  const char *text = "URI is too long for server to interpret";
  g_autofree char *want = g_strdup_printf ("HTTP/1.1 414 URI Too Long\r\nContent-Type: text/html\r\n"
                                           "Content-Length: %zu\r\n\r\n%s", strlen (text), text);
  char *got;

  g_assert_cmpuint (strlen (t_long), >, 512);
  g_assert_cmpuint (strlen (t_short), <=, 512);
  sim_fixture_enable_quirk (fx, "http-uri-too-long", NULL);
  got = exchange (client, r_short);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 207 Multi-Status\r\n"));
  g_free (got);
  got = exchange (client, r_long);
  g_assert_cmpstr (got, ==, want);
  g_free (got);
  g_assert_true (hap_test_client_wait_closed (client, 2000));

  /* close=false: the session survives the 414. */
  sim_fixture_enable_quirk (fx, "http-uri-too-long", "{'max-uri': <uint32 40>, 'close': <false>}");
  other = sim_fixture_connect_paired (fx);
  got = exchange (other, r_short);
  g_assert_cmpstr (got, ==, want);
  g_free (got);
  assert_conforming_read (other);

  sim_fixture_disable_quirk (fx, "http-uri-too-long");
  got = exchange (other, r_long);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 207 Multi-Status\r\n"));
  g_free (got);
}

/* ---- parser variants: status line, header syntax, line endings ---------------------- */

/* With @quirk on, a read of On is @before, the body length, @after and the body. */
static void
check_rewrite (const char *quirk,
               const char *params,
               const char *before,
               const char *after)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *body = on_body (TRUE);
  g_autofree char *want = g_strdup_printf ("%s%zu%s%s", before, strlen (body), after, body);
  g_autofree char *got = NULL;

  sim_fixture_enable_quirk (fx, quirk, params);
  got = read_on (client);
  g_assert_cmpstr (got, ==, want);
  sim_fixture_disable_quirk (fx, quirk);
  assert_conforming_read (client);
}

static void
test_no_reason_phrase (void)
{
  check_rewrite ("http-no-reason-phrase", NULL,
                 "HTTP/1.1 200\r\nContent-Type: " CT_JSON "\r\nContent-Length: ", "\r\n\r\n");
  check_rewrite ("http-no-reason-phrase", "{'keep-space': <true>}",
                 "HTTP/1.1 200 \r\nContent-Type: " CT_JSON "\r\nContent-Length: ", "\r\n\r\n");
}

static void
test_header_no_space (void)
{
  check_rewrite ("http-header-no-space", NULL,
                 "HTTP/1.1 200 OK\r\nContent-Type:" CT_JSON "\r\nContent-Length:", "\r\n\r\n");
}

static void
test_version_1_0 (void)
{
  check_rewrite ("http-version-1-0", NULL,
                 "HTTP/1.0 200 OK\r\nContent-Type: " CT_JSON "\r\nContent-Length: ", "\r\n\r\n");
}

static void
test_lf_only (void)
{
  check_rewrite ("http-lf-only", NULL,
                 "HTTP/1.1 200 OK\nContent-Type: " CT_JSON "\nContent-Length: ", "\n\n");
}

/* Stacked, in the order enabled: lower-case names, then no space, then LF only. */
static void
test_stacked_formatting (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *body = on_body (TRUE);
  g_autofree char *want = g_strdup_printf ("HTTP/1.0 200\ncontent-type:" CT_JSON "\ncontent-length:%zu\n\n%s",
                                           strlen (body), body);
  g_autofree char *got = NULL;

  sim_fixture_enable_quirk (fx, "http-lowercase-headers", NULL);
  sim_fixture_enable_quirk (fx, "http-header-no-space", NULL);
  sim_fixture_enable_quirk (fx, "http-no-reason-phrase", NULL);
  sim_fixture_enable_quirk (fx, "http-version-1-0", NULL);
  sim_fixture_enable_quirk (fx, "http-lf-only", NULL);
  got = read_on (client);
  g_assert_cmpstr (got, ==, want);
  sim_fixture_disable_quirk (fx, "http-lf-only");
  sim_fixture_disable_quirk (fx, "http-version-1-0");
  sim_fixture_disable_quirk (fx, "http-no-reason-phrase");
  sim_fixture_disable_quirk (fx, "http-header-no-space");
  sim_fixture_disable_quirk (fx, "http-lowercase-headers");
  assert_conforming_read (client);
}

/* ---- parser variants: body framing -------------------------------------------------- */

#define CHUNKED_HEAD "HTTP/1.1 200 OK\r\nContent-Type: " CT_JSON "\r\nTransfer-Encoding: chunked\r\n\r\n"

static void
test_chunked (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *body = on_body (TRUE);
  gsize n = strlen (body);
  g_autofree char *single = g_strdup_printf (CHUNKED_HEAD "%zx\r\n%s\r\n0\r\n\r\n", n, body);
  g_autofree char *extension = g_strdup_printf (CHUNKED_HEAD "%zx;x=1\r\n%s\r\n0;x=1\r\n\r\n", n, body);
  g_autofree char *trailer = g_strdup_printf (CHUNKED_HEAD "%zx\r\n%s\r\n0\r\nX-Trailer: end\r\n\r\n", n, body);
  g_autofree char *capital = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: " CT_JSON
                                              "\r\nTransfer-Encoding: Chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n", n, body);
  g_autoptr(GString) bytes = g_string_new (CHUNKED_HEAD);
  g_autoptr(GString) upper = g_string_new (CHUNKED_HEAD);
  g_autofree char *put = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":true}]}",
                                          on_iid);
  g_autofree char *put_request =
    g_strdup_printf ("PUT /characteristics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %zu\r\n"
                     "Content-Type: " CT_JSON "\r\n\r\n%s", strlen (put), put);
  char *got;

  for (gsize i = 0; i < n; i++)
    g_string_append_printf (bytes, "1\r\n%c\r\n", body[i]);
  g_string_append (bytes, "0\r\n\r\n");
  /* 31-byte chunks: "1F", then the rest. */
  g_assert_cmpuint (n, >, 31);
  g_string_append_printf (upper, "1F\r\n%.31s\r\n%zX\r\n%s\r\n0\r\n\r\n", body, n - 31, body + 31);

  sim_fixture_enable_quirk (fx, "http-chunked", NULL);
  got = read_on (client);
  g_assert_cmpstr (got, ==, single);
  g_free (got);
  /* 204 has no body to frame. */
  got = exchange (client, put_request);
  g_assert_cmpstr (got, ==, "HTTP/1.1 204 No Content\r\n\r\n");
  g_free (got);

  sim_fixture_enable_quirk (fx, "http-chunked", "{'style': <'bytes'>}");
  got = read_on (client);
  g_assert_cmpstr (got, ==, bytes->str);
  g_free (got);
  sim_fixture_enable_quirk (fx, "http-chunked", "{'style': <'upper-hex'>}");
  got = read_on (client);
  g_assert_cmpstr (got, ==, upper->str);
  g_free (got);
  sim_fixture_enable_quirk (fx, "http-chunked", "{'style': <'extension'>}");
  got = read_on (client);
  g_assert_cmpstr (got, ==, extension);
  g_free (got);
  sim_fixture_enable_quirk (fx, "http-chunked", "{'style': <'trailer'>}");
  got = read_on (client);
  g_assert_cmpstr (got, ==, trailer);
  g_free (got);
  sim_fixture_enable_quirk (fx, "http-chunked", "{'capital': <true>}");
  got = read_on (client);
  g_assert_cmpstr (got, ==, capital);
  g_free (got);

  sim_fixture_disable_quirk (fx, "http-chunked");
  assert_conforming_read (client);
}

static void
test_chunked_with_length (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *body = on_body (TRUE);
  gsize n = strlen (body);
  g_autofree char *want = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: " CT_JSON "\r\nTransfer-Encoding: Chunked\r\n"
                                           "Content-Length: %zu\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n", n, n, body);
  char *got;

  sim_fixture_enable_quirk (fx, "http-chunked-with-length", NULL);
  got = read_on (client);
  g_assert_cmpstr (got, ==, want);
  g_free (got);
  sim_fixture_disable_quirk (fx, "http-chunked-with-length");
  assert_conforming_read (client);
}

static void
test_no_content_length (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autoptr(HapTestClient) other = NULL;
  g_autofree char *body = on_body (TRUE);
  g_autofree char *want = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: " CT_JSON
                                           "\r\nConnection: close\r\n\r\n%s", body);
  char *got;

  sim_fixture_enable_quirk (fx, "http-no-content-length", NULL);
  got = read_on (client);   /* read_raw stops at the end of the stream */
  g_assert_cmpstr (got, ==, want);
  g_free (got);
  g_assert_true (hap_test_client_wait_closed (client, 2000));

  sim_fixture_disable_quirk (fx, "http-no-content-length");
  other = sim_fixture_connect_paired (fx);
  assert_conforming_read (other);
  assert_conforming_read (other);
  g_assert_false (hap_test_client_wait_closed (other, 100));
}

static void
test_wrong_content_length (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *body = on_body (TRUE);
  g_autofree char *large = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: " CT_JSON
                                            "\r\nContent-Length: %zu\r\n\r\n%s", strlen (body) + 1, body);
  g_autofree char *small = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: " CT_JSON
                                            "\r\nContent-Length: %zu\r\n\r\n%s", strlen (body) - 5, body);
  char *got;

  sim_fixture_enable_quirk (fx, "http-wrong-content-length", NULL);
  got = read_on (client);
  g_assert_cmpstr (got, ==, large);
  g_free (got);
  sim_fixture_enable_quirk (fx, "http-wrong-content-length", "{'error': <'too-small'>, 'by': <uint32 5>}");
  got = read_on (client);
  g_assert_cmpstr (got, ==, small);
  g_free (got);
  sim_fixture_disable_quirk (fx, "http-wrong-content-length");
  assert_conforming_read (client);
}

static void
test_empty_event (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *ev_on = on_event (TRUE);
  char *got;

  subscribe_on (client);
  sim_fixture_enable_quirk (fx, "http-empty-event", NULL);
  set_on (FALSE);
  got = raw_text (hap_test_client_read_raw (client, QUIET_MS, 5000));
  g_assert_cmpstr (got, ==, "EVENT/1.0 200 OK\r\nContent-Type: " CT_JSON "\r\nContent-Length: 0\r\n\r\n");
  g_free (got);
  /* Responses keep their bodies. */
  got = read_on (client);
  {
    g_autofree char *want = on_response (FALSE);
    g_assert_cmpstr (got, ==, want);
  }
  g_free (got);

  sim_fixture_disable_quirk (fx, "http-empty-event");
  set_on (TRUE);
  got = raw_text (hap_test_client_read_raw (client, QUIET_MS, 5000));
  g_assert_cmpstr (got, ==, ev_on);
  g_free (got);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  fx = sim_fixture_start ("lightbulb.json", NULL);
  {
    g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
    on_iid = hap_test_client_find_iid (client, 1, "25");
    brightness_iid = hap_test_client_find_iid (client, 1, "8");
    g_assert_cmpuint (on_iid, >, 0);
    g_assert_cmpuint (brightness_iid, >, 0);
  }

  g_test_add_func ("/quirks/http/single-write", test_single_write);
  g_test_add_func ("/quirks/http/host-required", test_host_required);
  g_test_add_func ("/quirks/http/min-request-size", test_min_request_size);
  g_test_add_func ("/quirks/http/strict-header-order", test_strict_header_order);
  g_test_add_func ("/quirks/http/no-pipelining", test_no_pipelining);
  g_test_add_func ("/quirks/http/lowercase-headers", test_lowercase_headers);
  g_test_add_func ("/quirks/http/bare-470", test_bare_470);
  g_test_add_func ("/quirks/http/pairing-error-status", test_pairing_error_status);
  g_test_add_func ("/quirks/http/trailing-bytes", test_trailing_bytes);
  g_test_add_func ("/quirks/http/coalesce", test_coalesce);
  g_test_add_func ("/quirks/http/bulk-read-hang", test_bulk_read_hang);
  g_test_add_func ("/quirks/http/uri-too-long", test_uri_too_long);
  g_test_add_func ("/quirks/http/no-reason-phrase", test_no_reason_phrase);
  g_test_add_func ("/quirks/http/header-no-space", test_header_no_space);
  g_test_add_func ("/quirks/http/version-1-0", test_version_1_0);
  g_test_add_func ("/quirks/http/lf-only", test_lf_only);
  g_test_add_func ("/quirks/http/stacked-formatting", test_stacked_formatting);
  g_test_add_func ("/quirks/http/chunked", test_chunked);
  g_test_add_func ("/quirks/http/chunked-with-length", test_chunked_with_length);
  g_test_add_func ("/quirks/http/no-content-length", test_no_content_length);
  g_test_add_func ("/quirks/http/wrong-content-length", test_wrong_content_length);
  g_test_add_func ("/quirks/http/empty-event", test_empty_event);

  status = g_test_run ();
  sim_fixture_stop (fx);
  return status;
}
