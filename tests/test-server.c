/* test-server.c — malformed and hostile input against a real server on loopback: every
 * case asserts the exact wire answer and that another verified connection still works
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "hap-test-client.h"
#include "hap-tlv8-private.h"

static const char *LAMP =
  "{\"accessories\":[{\"name\":\"Neg Lamp\",\"category\":\"LIGHTBULB\",\"services\":["
  "{\"type\":\"Lightbulb\",\"characteristics\":["
  "{\"type\":\"On\",\"value\":false},{\"type\":\"Brightness\",\"value\":50},"
  "{\"type\":\"Name\",\"value\":\"Lamp\"}]}]}]}";

typedef struct
{
  char          *dir;
  HapTestServer *server;
  HapTestClient *admin;     /* paired, verified */
  HapTestClient *witness;   /* a second verified connection that must keep working */
  guint64        on_iid;
  guint64        bri_iid;
  guint64        name_iid;
  guint64        identify_iid;
} Fixture;

static guint16
port (Fixture *f)
{
  return hap_test_server_get_port (f->server);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("hap-neg-XXXXXX", NULL);
  f->server = hap_test_server_start (NULL, LAMP, f->dir);
  f->admin = hap_test_client_new ("ADMIN-0001");
  hap_test_client_connect (f->admin, port (f));
  g_assert_cmpint (hap_test_client_pair_setup (f->admin, HAP_TEST_SETUP_CODE, 0), ==, 0);
  g_assert_cmpint (hap_test_client_pair_verify (f->admin), ==, 0);
  f->witness = hap_test_client_clone (f->admin);
  hap_test_client_connect (f->witness, port (f));
  g_assert_cmpint (hap_test_client_pair_verify (f->witness), ==, 0);
  f->on_iid = hap_test_client_find_iid (f->admin, 1, "25");
  f->bri_iid = hap_test_client_find_iid (f->admin, 1, "8");
  f->name_iid = hap_test_client_find_iid (f->admin, 1, "23");
  f->identify_iid = hap_test_client_find_iid (f->admin, 1, "14");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  hap_test_client_free (f->admin);
  hap_test_client_free (f->witness);
  hap_test_server_stop (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static char *
body_of (HapHttpMessage *m)
{
  return g_strndup (g_bytes_get_data (m->body, NULL), g_bytes_get_size (m->body));
}

/* The witness reads Brightness and gets the expected value. */
static void
assert_witness_ok (Fixture *f, int expected_brightness)
{
  g_autofree char *target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT, f->bri_iid);
  g_autoptr(HapHttpMessage) r = hap_test_client_request (f->witness, "GET", target, NULL, NULL, 0);
  g_autofree char *body = NULL;
  g_autofree char *expected = g_strdup_printf ("\"value\":%d", expected_brightness);

  g_assert_nonnull (r);
  g_assert_cmpuint (r->status, ==, 200);
  body = body_of (r);
  g_assert_nonnull (strstr (body, expected));
}

static void assert_single_status (HapHttpMessage *r, guint64 iid, int status);

static HapHttpMessage *
put (HapTestClient *c, const char *json)
{
  return hap_test_client_request (c, "PUT", "/characteristics", "application/hap+json", json, strlen (json));
}

static void
test_unverified_gets_470 (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) anon = hap_test_client_new ("anon");
  g_autoptr(HapHttpMessage) r = NULL;
  g_autoptr(HapHttpMessage) r2 = NULL;
  g_autoptr(HapHttpMessage) r3 = NULL;
  g_autofree char *body = NULL;

  hap_test_client_connect (anon, port (f));
  r = hap_test_client_request (anon, "GET", "/accessories", NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 470);
  body = body_of (r);
  g_assert_cmpstr (body, ==, "{\"status\":-70411}");
  r2 = hap_test_client_request (anon, "GET", "/characteristics?id=1.9", NULL, NULL, 0);
  g_assert_cmpuint (r2->status, ==, 470);
  r3 = hap_test_client_request (anon, "POST", "/pairings", "application/pairing+tlv8", "\x06\x01\x01", 3);
  g_assert_cmpuint (r3->status, ==, 470);
  assert_witness_ok (f, 50);
}

static void
test_wrong_code_then_right (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-neg2-XXXXXX", NULL);
  HapTestServer *fresh = hap_test_server_start (NULL, LAMP, dir);
  g_autoptr(HapTestClient) c = hap_test_client_new ("C1");
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

  hap_test_client_connect (c, hap_test_server_get_port (fresh));
  /* HAP §5.6.4: wrong code → M4 with Error Authentication. */
  g_assert_cmpint (hap_test_client_pair_setup (c, "123-45-679", 0), ==, HAP_TLV_ERROR_AUTHENTICATION);
  g_assert_cmpint (hap_test_client_pair_setup (c, HAP_TEST_SETUP_CODE, 0), ==, 0);
  hap_test_server_stop (fresh);
  g_assert_cmpint (system (cmd), ==, 0);
  assert_witness_ok (f, 50);
}

static void
test_max_tries_persist (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-neg3-XXXXXX", NULL);
  HapTestServer *fresh = hap_test_server_start (NULL, LAMP, dir);
  g_autoptr(HapTestClient) c = hap_test_client_new ("C1");
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

  hap_test_client_connect (c, hap_test_server_get_port (fresh));
  for (int i = 0; i < 100; i++)
    g_assert_cmpint (hap_test_client_pair_setup (c, "111-22-333", 0), ==, HAP_TLV_ERROR_AUTHENTICATION);
  /* HAP §5.6.2: after 100 failures, MaxTries — even with the right code. */
  g_assert_cmpint (hap_test_client_pair_setup (c, HAP_TEST_SETUP_CODE, 0), ==, HAP_TLV_ERROR_MAX_TRIES);
  hap_test_client_disconnect (c);
  hap_test_server_stop (fresh);

  /* The counter survives a restart. */
  fresh = hap_test_server_start (NULL, LAMP, dir);
  hap_test_client_connect (c, hap_test_server_get_port (fresh));
  g_assert_cmpint (hap_test_client_pair_setup (c, HAP_TEST_SETUP_CODE, 0), ==, HAP_TLV_ERROR_MAX_TRIES);
  hap_test_client_disconnect (c);
  hap_test_server_stop (fresh);
  g_assert_cmpint (system (cmd), ==, 0);
  assert_witness_ok (f, 50);
}

/* Without a configured port, a restart serves on the port of the last run; when another
 * socket holds it, on any other, which the next run keeps. */
static void
test_port_kept (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-port-XXXXXX", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(GSocket) holder = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GError) error = NULL;
  HapTestServer *server = hap_test_server_start (NULL, LAMP, dir);
  guint16 first = hap_test_server_get_port (server), other;

  hap_test_server_stop (server);
  server = hap_test_server_start (NULL, LAMP, dir);
  g_assert_cmpuint (hap_test_server_get_port (server), ==, first);
  hap_test_server_stop (server);

  holder = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (any, first);
  g_assert_true (g_socket_bind (holder, address, FALSE, &error) && g_socket_listen (holder, &error));
  g_assert_no_error (error);
  server = hap_test_server_start (NULL, LAMP, dir);
  other = hap_test_server_get_port (server);
  g_assert_cmpuint (other, !=, first);
  g_assert_cmpuint (other, !=, 0);
  hap_test_server_stop (server);
  g_socket_close (holder, NULL);

  server = hap_test_server_start (NULL, LAMP, dir);
  g_assert_cmpuint (hap_test_server_get_port (server), ==, other);
  hap_test_server_stop (server);
  g_assert_cmpint (system (cmd), ==, 0);
  assert_witness_ok (f, 50);
}

static void
test_setup_while_paired (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) c = hap_test_client_new ("C2");

  hap_test_client_connect (c, port (f));
  g_assert_cmpint (hap_test_client_pair_setup (c, HAP_TEST_SETUP_CODE, 0), ==, HAP_TLV_ERROR_UNAVAILABLE);
  assert_witness_ok (f, 50);
}

static void
test_concurrent_setup_busy (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-neg4-XXXXXX", NULL);
  HapTestServer *fresh = hap_test_server_start (NULL, LAMP, dir);
  g_autoptr(HapTestClient) a = hap_test_client_new ("A");
  g_autoptr(HapTestClient) b = hap_test_client_new ("B");
  g_autoptr(GByteArray) m1 = g_byte_array_new ();
  g_autoptr(HapHttpMessage) ra = NULL;
  g_autoptr(HapHttpMessage) rb = NULL;
  g_autoptr(HapTlv8) tb = NULL;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  guint64 err = 0;

  hap_tlv8_append_uint8 (m1, HAP_TLV_STATE, 1);
  hap_tlv8_append_uint8 (m1, HAP_TLV_METHOD, 0);
  hap_test_client_connect (a, hap_test_server_get_port (fresh));
  hap_test_client_connect (b, hap_test_server_get_port (fresh));
  ra = hap_test_client_request (a, "POST", "/pair-setup", "application/pairing+tlv8", (char *) m1->data, m1->len);
  g_assert_cmpuint (ra->status, ==, 200);
  rb = hap_test_client_request (b, "POST", "/pair-setup", "application/pairing+tlv8", (char *) m1->data, m1->len);
  g_assert_cmpuint (rb->status, ==, 200);
  tb = hap_tlv8_parse (g_bytes_get_data (rb->body, NULL), g_bytes_get_size (rb->body), NULL);
  /* HAP §5.6.2: another controller mid-setup → State 2, Error Busy. */
  g_assert_true (hap_tlv8_get_uint (tb, HAP_TLV_ERROR, &err));
  g_assert_cmpuint (err, ==, HAP_TLV_ERROR_BUSY);
  /* When A's connection goes, the procedure is released. */
  hap_test_client_disconnect (a);
  g_usleep (100 * 1000);
  g_assert_cmpint (hap_test_client_pair_setup (b, HAP_TEST_SETUP_CODE, 0), ==, 0);
  hap_test_server_stop (fresh);
  g_assert_cmpint (system (cmd), ==, 0);
  assert_witness_ok (f, 50);
}

static void
test_tampered_frame (Fixture *f, gconstpointer data)
{
  const char *req = "GET /accessories HTTP/1.1\r\nHost: x\r\n\r\n";
  g_autoptr(GByteArray) frames = hap_test_client_encrypt (f->admin, (const guint8 *) req, strlen (req));

  frames->data[5] ^= 0x40;
  hap_test_client_send_wire (f->admin, frames->data, frames->len);
  /* HAP §6.5.2: a frame that fails authentication closes that connection only. */
  g_assert_true (hap_test_client_wait_closed (f->admin, 2000));
  assert_witness_ok (f, 50);
}

static void
test_oversized_frame (Fixture *f, gconstpointer data)
{
  guint8 header[2] = { 0x01, 0x04 };   /* 1025 */
  guint8 junk[1041] = { 0 };

  hap_test_client_send_wire (f->admin, header, 2);
  hap_test_client_send_wire (f->admin, junk, sizeof junk);
  g_assert_true (hap_test_client_wait_closed (f->admin, 2000));
  assert_witness_ok (f, 50);
}

static void
test_non_admin_add_pairing (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) user = hap_test_client_new ("USER-1");
  g_autoptr(HapTestClient) uc = NULL;

  g_assert_cmpint (hap_test_client_add_pairing (f->admin, "USER-1", hap_test_client_get_public_key (user), FALSE), ==, 0);
  uc = hap_test_client_clone (user);
  hap_test_client_connect (uc, port (f));
  g_assert_cmpint (hap_test_client_pair_verify (uc), ==, 0);
  g_assert_cmpint (hap_test_client_add_pairing (uc, "EVIL", hap_test_client_get_public_key (user), TRUE),
                   ==, HAP_TLV_ERROR_AUTHENTICATION);
  assert_witness_ok (f, 50);
}

static void
test_malformed_json (Fixture *f, gconstpointer data)
{
  static const char *bodies[] = {
    "{\"characteristics\":[",              /* not JSON */
    "[]",                                  /* not an object */
    "{\"characteristics\":{}}",            /* not an array */
    "{\"characteristics\":[{\"iid\":9}]}", /* no aid */
    "{\"characteristics\":[1]}",           /* entry not an object */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(HapHttpMessage) r = put (f->admin, bodies[i]);
      g_autofree char *body = body_of (r);
      g_assert_cmpuint (r->status, ==, 400);
      g_assert_cmpstr (body, ==, "{\"status\":-70410}");
    }
  assert_witness_ok (f, 50);
}

/* Issue 13: about 100,000 '[' overflowed json-glib's recursive parser and took the
 * whole process down; a non-admin controller could send them. Now they are refused
 * before parsing (hap-json.c) like any other bad body, and the server carries on. */
static void
test_deep_json (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) user = hap_test_client_new ("USER-0002");
  g_autoptr(HapTestClient) fresh = NULL;
  g_autoptr(GString) brackets = g_string_new (NULL);
  g_autoptr(GString) members = g_string_new (NULL);
  g_autoptr(GString) in_value = NULL;
  g_autoptr(GString) after_comment = g_string_new ("[/*/");
  g_autoptr(GString) in_string = NULL;
  const char *targets[] = { "/characteristics", "/prepare" };

  g_assert_cmpint (hap_test_client_add_pairing (f->admin, "USER-0002",
                                                hap_test_client_get_public_key (user), FALSE), ==, 0);
  hap_test_client_connect (user, port (f));
  g_assert_cmpint (hap_test_client_pair_verify (user), ==, 0);

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (brackets, '[');
  for (guint i = 0; i < 50000; i++)
    g_string_append (members, "{\"a\":");
  /* json-glib 1.6 ends a comment at the next '/': these brackets nest. */
  g_string_append (after_comment, brackets->str);
  in_value = g_string_new (NULL);
  g_string_printf (in_value, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":%s",
                   f->bri_iid, brackets->str);

  for (guint t = 0; t < G_N_ELEMENTS (targets); t++)
    {
      GString *bodies[] = { brackets, members, in_value, after_comment };

      for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
        {
          g_autoptr(HapHttpMessage) r =
            hap_test_client_request (user, "PUT", targets[t], "application/hap+json",
                                     bodies[i]->str, bodies[i]->len);
          g_autofree char *body = NULL;

          g_assert_nonnull (r);
          body = body_of (r);
          g_assert_cmpuint (r->status, ==, 400);
          g_assert_cmpstr (body, ==, "{\"status\":-70410}");
        }
    }

  /* Brackets inside a string are text, not nesting: the body is parsed and the write
   * is answered per characteristic (Name is read-only), not as a malformed body. */
  in_string = g_string_new (NULL);
  g_string_printf (in_string, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":\"%s\"}]}",
                   f->name_iid, brackets->str);
  {
    g_autoptr(HapHttpMessage) r =
      hap_test_client_request (user, "PUT", "/characteristics", "application/hap+json",
                               in_string->str, in_string->len);

    g_assert_nonnull (r);
    assert_single_status (r, f->name_iid, -70404);
  }

  /* The same connection, a fresh one and the witness all still work. */
  {
    g_autoptr(HapHttpMessage) r = put (user, "{\"characteristics\":[{\"aid\":1,\"iid\":9,\"value\":1}]}");

    g_assert_nonnull (r);
  }
  fresh = hap_test_client_clone (user);
  hap_test_client_connect (fresh, port (f));
  g_assert_cmpint (hap_test_client_pair_verify (fresh), ==, 0);
  {
    g_autofree char *json = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT
                                             ",\"value\":75}]}", f->bri_iid);
    g_autoptr(HapHttpMessage) r = put (fresh, json);

    g_assert_nonnull (r);
    g_assert_cmpuint (r->status, ==, 204);
  }
  assert_witness_ok (f, 75);
}

static void
assert_single_status (HapHttpMessage *r, guint64 iid, int status)
{
  g_autofree char *body = body_of (r);
  g_autofree char *expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"status\":%d}]}",
                                               iid, status);
  g_assert_cmpuint (r->status, ==, 207);
  g_assert_cmpstr (body, ==, expected);
}

static void
test_invalid_values (Fixture *f, gconstpointer data)
{
  const char *cases[] = { "150", "-1", "\"50\"", "true", "50.5", "null", "[50]" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":%s}]}",
                                               f->bri_iid, cases[i]);
      g_autoptr(HapHttpMessage) r = put (f->admin, json);
      assert_single_status (r, f->bri_iid, -70410);
    }
  /* A string longer than maxLen (64). */
  {
    g_autofree char *longname = g_strnfill (65, 'x');
    g_autofree char *json = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":\"%s\"}]}",
                                             f->name_iid, longname);
    g_autoptr(HapHttpMessage) r = put (f->admin, json);
    /* Name is read-only in the catalog: -70404 comes first. */
    assert_single_status (r, f->name_iid, -70404);
  }
  /* The value is unchanged, for this connection and the other. */
  assert_witness_ok (f, 50);
}

static void
test_unknown_ids_and_perms (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r1 = NULL;
  g_autoptr(HapHttpMessage) r2 = NULL;
  g_autoptr(HapHttpMessage) r3 = NULL;
  g_autoptr(HapHttpMessage) r4 = NULL;
  g_autoptr(HapHttpMessage) r5 = NULL;
  g_autoptr(HapHttpMessage) r6 = NULL;
  g_autofree char *json = NULL;
  g_autofree char *body = NULL;
  g_autofree char *target = NULL;

  r1 = put (f->admin, "{\"characteristics\":[{\"aid\":1,\"iid\":9999,\"value\":1}]}");
  assert_single_status (r1, 9999, -70409);
  json = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":\"x\"}]}", f->name_iid);
  r2 = put (f->admin, json);
  assert_single_status (r2, f->name_iid, -70404);
  g_free (json);
  json = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true}]}", f->name_iid);
  r3 = put (f->admin, json);
  assert_single_status (r3, f->name_iid, -70406);

  /* Reads: unknown aid → -70409 with 207 and status on every entry; write-only → -70405. */
  target = g_strdup_printf ("/characteristics?id=7.1,1.%" G_GUINT64_FORMAT ",1.%" G_GUINT64_FORMAT,
                            f->identify_iid, f->bri_iid);
  r4 = hap_test_client_request (f->admin, "GET", target, NULL, NULL, 0);
  g_assert_cmpuint (r4->status, ==, 207);
  body = body_of (r4);
  {
    g_autofree char *expected = g_strdup_printf (
      "{\"characteristics\":[{\"aid\":7,\"iid\":1,\"status\":-70409},"
      "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"status\":-70405},"
      "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":50,\"status\":0}]}", f->identify_iid, f->bri_iid);
    g_assert_cmpstr (body, ==, expected);
  }
  /* Malformed query → 400 with -70410; wrong method → 405; unknown path → 404. */
  r5 = hap_test_client_request (f->admin, "GET", "/characteristics?id=1x", NULL, NULL, 0);
  g_assert_cmpuint (r5->status, ==, 400);
  /* The id list is parsed in place (issue 17): every malformed shape is still refused,
   * and a bad percent escape too. */
  {
    static const char *const bad[] = {
      "id=", "id=1.", "id=.1", "id=1", "id=1.2,", "id=,1.2", "id=1.2,,1.3", "id=1.2.3",
      "id=+1.2", "id=1.-2", "id=1.2;1.3", "id=1.%zz", "id=1.2&meta=2",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *bad_target = g_strconcat ("/characteristics?", bad[i], NULL);
        g_autoptr(HapHttpMessage) r = hap_test_client_request (f->admin, "GET", bad_target, NULL, NULL, 0);
        g_autofree char *bad_body = body_of (r);

        g_test_message ("GET %s", bad_target);
        g_assert_cmpuint (r->status, ==, 400);
        g_assert_cmpstr (bad_body, ==, "{\"status\":-70410}");
      }
  }
  /* A percent-encoded comma separates ids; a repeated flag counts with its last value. */
  {
    g_autofree char *encoded = g_strdup_printf ("/characteristics?meta=2&id=1.%" G_GUINT64_FORMAT
                                                "%%2C1.%" G_GUINT64_FORMAT "&meta=0#frag",
                                                f->bri_iid, f->bri_iid + 1000);
    g_autoptr(HapHttpMessage) r = hap_test_client_request (f->admin, "GET", encoded, NULL, NULL, 0);
    g_autofree char *encoded_body = body_of (r);
    g_autofree char *expected = g_strdup_printf (
      "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":50,\"status\":0},"
      "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"status\":-70409}]}", f->bri_iid, f->bri_iid + 1000);

    g_assert_cmpuint (r->status, ==, 207);
    g_assert_cmpstr (encoded_body, ==, expected);
  }
  r6 = hap_test_client_request (f->admin, "DELETE", "/accessories", NULL, NULL, 0);
  g_assert_cmpuint (r6->status, ==, 405);
  {
    g_autoptr(HapHttpMessage) r7 = hap_test_client_request (f->admin, "GET", "/nope", NULL, NULL, 0);
    g_assert_cmpuint (r7->status, ==, 404);
  }
  {
    g_autofree char *dup = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT ",1.%" G_GUINT64_FORMAT,
                                            f->bri_iid, f->bri_iid);
    g_autoptr(HapHttpMessage) r8 = hap_test_client_request (f->admin, "GET", dup, NULL, NULL, 0);
    g_assert_cmpuint (r8->status, ==, 422);
  }
  assert_witness_ok (f, 50);
}

static void
test_identify_and_pairing_paths (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) anon = hap_test_client_new ("anon");
  g_autoptr(HapHttpMessage) r1 = NULL;
  g_autoptr(HapHttpMessage) r2 = NULL;
  g_autoptr(HapHttpMessage) r3 = NULL;
  g_autofree char *body = NULL;

  hap_test_client_connect (anon, port (f));
  /* HAP §6.7.6: identify when paired → 400 with -70401. */
  r1 = hap_test_client_request (anon, "POST", "/identify", NULL, NULL, 0);
  g_assert_cmpuint (r1->status, ==, 400);
  body = body_of (r1);
  g_assert_cmpstr (body, ==, "{\"status\":-70401}");
  /* Malformed TLV → 400; pair-verify on a secured session → 400. */
  r2 = hap_test_client_request (anon, "POST", "/pair-verify", "application/pairing+tlv8", "\x06\x05\x01", 3);
  g_assert_cmpuint (r2->status, ==, 400);
  r3 = hap_test_client_request (f->admin, "POST", "/pair-verify", "application/pairing+tlv8", "\x06\x01\x01", 3);
  g_assert_cmpuint (r3->status, ==, 400);
  assert_witness_ok (f, 50);
}

static void
test_garbage_http (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) anon = hap_test_client_new ("anon");
  const char *garbage = "HELLO\r\n\r\n";
  g_autoptr(HapHttpMessage) r = NULL;

  hap_test_client_connect (anon, port (f));
  hap_test_client_send_raw (anon, (const guint8 *) garbage, strlen (garbage));
  r = hap_test_client_read_response (anon, 2000);
  g_assert_nonnull (r);
  g_assert_cmpuint (r->status, ==, 400);
  g_assert_true (hap_test_client_wait_closed (anon, 2000));
  assert_witness_ok (f, 50);
}

static void
test_many_connections (Fixture *f, gconstpointer data)
{
  HapTestClient *clients[24];

  /* HAP §6.2.3: at least 8 simultaneous connections; take three times that. */
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      clients[i] = hap_test_client_clone (f->admin);
      hap_test_client_connect (clients[i], port (f));
      g_assert_cmpint (hap_test_client_pair_verify (clients[i]), ==, 0);
    }
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_autofree char *target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT, f->bri_iid);
      g_autoptr(HapHttpMessage) r = hap_test_client_request (clients[i], "GET", target, NULL, NULL, 0);
      g_assert_cmpuint (r->status, ==, 200);
      hap_test_client_free (clients[i]);
    }
  assert_witness_ok (f, 50);
}

static void
test_pipelined_flood (Fixture *f, gconstpointer data)
{
  const char *req = "GET /accessories HTTP/1.1\r\nHost: x\r\n\r\n";
  g_autoptr(GString) many = g_string_new (NULL);
  guint n = 0;

  /* 400 requests in one go, responses (~1 MB) not read until all are sent: the server
   * stops reading while its output backs up, and resumes without losing any. */
  for (guint i = 0; i < 400; i++)
    g_string_append (many, req);
  hap_test_client_send_raw (f->admin, (const guint8 *) many->str, many->len);
  for (; n < 400; n++)
    {
      g_autoptr(HapHttpMessage) r = hap_test_client_read_response (f->admin, 5000);
      if (r == NULL)
        break;
      g_assert_cmpuint (r->status, ==, 200);
    }
  g_assert_cmpuint (n, ==, 400);
  assert_witness_ok (f, 50);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/server/unverified-gets-470", test_unverified_gets_470);
  ADD ("/server/wrong-code-then-right", test_wrong_code_then_right);
  ADD ("/server/max-tries-persist", test_max_tries_persist);
  ADD ("/server/port-kept", test_port_kept);
  ADD ("/server/setup-while-paired", test_setup_while_paired);
  ADD ("/server/concurrent-setup-busy", test_concurrent_setup_busy);
  ADD ("/server/tampered-frame", test_tampered_frame);
  ADD ("/server/oversized-frame", test_oversized_frame);
  ADD ("/server/non-admin-add-pairing", test_non_admin_add_pairing);
  ADD ("/server/malformed-json", test_malformed_json);
  ADD ("/server/deep-json", test_deep_json);
  ADD ("/server/invalid-values", test_invalid_values);
  ADD ("/server/unknown-ids-and-perms", test_unknown_ids_and_perms);
  ADD ("/server/identify-and-pairing-paths", test_identify_and_pairing_paths);
  ADD ("/server/garbage-http", test_garbage_http);
  ADD ("/server/many-connections", test_many_connections);
  ADD ("/server/pipelined-flood", test_pipelined_flood);
#undef ADD

  return g_test_run ();
}
