/* test-srp.c — SRP-6a, 3072-bit group, SHA-512 (docs/protocol.md §2.1, §7.1)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-srp-private.h"
#include "hap-crypto-private.h"
#include "hap-error.h"

#include <string.h>

/* ---- docs/protocol.md §7.1: I = "alice", p = "password123" ---- */

static const char vec_salt[] =
  "BEB25379D1A8581EB5A727673A2441EE";

static const char vec_a[] =
  "60975527035CF2AD1989806F0407210BC81EDC04E2762A56AFD529DDDA2D4393";

static const char vec_b[] =
  "E487CB59D31AC550471E81F00F6928E01DDA08E974A004F49E61F5D105284D20";

static const char vec_v[] =
  "9B5E061701EA7AEB39CF6E3519655A853CF94C75CAF2555EF1FAF759BB79CB47"
  "7014E04A88D68FFC05323891D4C205B8DE81C2F203D8FAD1B24D2C109737F1BE"
  "BBD71F912447C4A03C26B9FAD8EDB3E780778E302529ED1EE138CCFC36D4BA31"
  "3CC48B14EA8C22A0186B222E655F2DF5603FD75DF76B3B08FF8950069ADD03A7"
  "54EE4AE88587CCE1BFDE36794DBAE4592B7B904F442B041CB17AEBAD1E3AEBE3"
  "CBE99DE65F4BB1FA00B0E7AF06863DB53B02254EC66E781E3B62A8212C86BEB0"
  "D50B5BA6D0B478D8C4E9BBCEC21765326FBD14058D2BBDE2C33045F03873E539"
  "48D78B794F0790E48C36AED6E880F557427B2FC06DB5E1E2E1D7E661AC482D18"
  "E528D7295EF7437295FF1A72D402771713F16876DD050AE5B7AD53CCB90855C9"
  "3956648358ADFD966422F52498732D68D1D7FBEF10D78034AB8DCB6F0FCF885C"
  "C2B2EA2C3E6AC86609EA058A9DA8CC63531DC915414DF568B09482DDAC1954DE"
  "C7EB714F6FF7D44CD5B86F6BD115810930637C01D0F6013BC9740FA2C633BA89";

static const char vec_A[] =
  "FAB6F5D2615D1E323512E7991CC37443F487DA604CA8C9230FCB04E541DCE628"
  "0B27CA4680B0374F179DC3BDC7553FE62459798C701AD864A91390A28C93B644"
  "ADBF9C00745B942B79F9012A21B9B78782319D83A1F8362866FBD6F46BFC0DDB"
  "2E1AB6E4B45A9906B82E37F05D6F97F6A3EB6E182079759C4F6847837B62321A"
  "C1B4FA68641FCB4BB98DD697A0C73641385F4BAB25B793584CC39FC8D48D4BD8"
  "67A9A3C10F8EA12170268E34FE3BBE6FF89998D60DA2F3E4283CBEC1393D52AF"
  "724A57230C604E9FBCE583D7613E6BFFD67596AD121A8707EEC4694495703368"
  "6A155F644D5C5863B48F61BDBF19A53EAB6DAD0A186B8C152E5F5D8CAD4B0EF8"
  "AA4EA5008834C3CD342E5E0F167AD04592CD8BD279639398EF9E114DFAAAB919"
  "E14E850989224DDD98576D79385D2210902E9F9B1F2D86CFA47EE244635465F7"
  "1058421A0184BE51DD10CC9D079E6F1604E7AA9B7CF7883C7D4CE12B06EBE160"
  "81E23F27A231D18432D7D1BB55C28AE21FFCF005F57528D15A88881BB3BBB7FE";

static const char vec_B[] =
  "40F57088A482D4C7733384FE0D301FDDCA9080AD7D4F6FDF09A01006C3CB6D56"
  "2E41639AE8FA21DE3B5DBA7585B275589BDB279863C562807B2B99083CD1429C"
  "DBE89E25BFBD7E3CAD3173B2E3C5A0B174DA6D5391E6A06E465F037A40062548"
  "39A56BF76DA84B1C94E0AE208576156FE5C140A4BA4FFC9E38C3B07B88845FC6"
  "F7DDDA93381FE0CA6084C4CD2D336E5451C464CCB6EC65E7D16E548A273E8262"
  "84AF2559B6264274215960FFF47BDD63D3AFF064D6137AF769661C9D4FEE4738"
  "2603C88EAA0980581D07758461B777E4356DDA5835198B51FEEA308D70F75450"
  "B71675C08C7D8302FD7539DD1FF2A11CB4258AA70D234436AA42B6A0615F3F91"
  "5D55CC3B966B2716B36E4D1A06CE5E5D2EA3BEE5A1270E8751DA45B60B997B0F"
  "FDB0F9962FEE4F03BEE780BA0A845B1D9271421783AE6601A61EA2E342E4F2E8"
  "BC935A409EAD19F221BD1B74E2964DD19FC845F60EFC09338B60B6B256D8CAC8"
  "89CCA306CC370A0B18C8B886E95DA0AF5235FEF4393020D2B7F3056904759042";

static const char vec_u[] =
  "03AE5F3C3FA9EFF1A50D7DBB8D2F60A1EA66EA712D50AE976EE34641A1CD0E51"
  "C4683DA383E8595D6CB56A15D5FBC7543E07FBDDD316217E01A391A18EF06DFF";

static const char vec_S[] =
  "F1036FECD017C8239C0D5AF7E0FCF0D408B009E36411618A60B23AABBFC38339"
  "7268231214BAACDC94CA1C53F442FB51C1B027C318AE238E16414D60D1881B66"
  "486ADE10ED02BA33D098F6CE9BCF1BB0C46CA2C47F2F174C59A9C61E2560899B"
  "83EF61131E6FB30B714F4E43B735C9FE6080477C1B83E4093E4D456B9BCA492C"
  "F9339D45BC42E67CE6C02C243E49F5DA42A869EC855780E84207B8A1EA6501C4"
  "78AAC0DFD3D22614F531A00D826B7954AE8B14A985A429315E6DD3664CF47181"
  "496A94329CDE8005CAE63C2F9CA4969BFE84001924037C446559BDBB9DB9D4DD"
  "142FBCD75EEF2E162C843065D99E8F05762C4DB7ABD9DB203D41AC85A58C05BD"
  "4E2DBF822A934523D54E0653D376CE8B56DCB4527DDDC1B994DC7509463A7468"
  "D7F02B1BEB1685714CE1DD1E71808A137F788847B7C6B7BFA1364474B3B7E894"
  "78954F6A8E68D45B85A88E4EBFEC13368EC0891C3BC86CF50097880178D86135"
  "E728723458538858D715B7B247406222C1019F53603F016952D497100858824C";

static const char vec_K[] =
  "5CBC219DB052138EE1148C71CD4498963D682549CE91CA24F098468F06015BEB"
  "6AF245C2093F98C3651BCA83AB8CAB2B580BBF02184FEFDF26142F73DF95AC50";

static const char vec_M1[] =
  "5F7C14AB57ED0E94FD1D78C6B4DD09ED7E340B7E05D419A9FD760F6B35E523D1"
  "310777A1AE1D2826F596F3A85116CC457C7C964D4F44DED5559DA818C88B617F";

static const char vec_M2[] =
  "2FA0E81F5CB73B88FA0964270F321DD641F2227A5D805C40F1BFE96AAF6A19FF"
  "CE8E23287965A39EAB9D5A02215F89E128177ED2C4F103E655A045531BCBF7AD";

static const char hap_salt[] =
  "263FEA64889756A8E25FD53DD5FA1022";

static const char hap_v[] =
  "D0BE3DFCC3B28A4D612943215AD71005CA4E240A5672EFF427F30EEAC1737561"
  "67AC4D737793AF18937B1770E173ED346AB790E428B2771ACA62FE11C1A0FC8E"
  "01169824632BB914863760918841CB3F263D5D71C431A2141C51797A91022C5B"
  "CD30D7BC9259A2037C4BDEE8F748D65B15AEA33DF2F00193FBAAC603C921820D"
  "2E4FE5747F965F31F3DD16D8A7228FE8FC85AD70138C797CB91B47488283C568"
  "D1CDAFCF6E950A1D117BD4E42FB0B90FF97992BCCE0C86F62F866489BC2F556D"
  "342F4C20AC26B12A48299C642BE86270F0D3F1E6E86E84115A712931F7FE1D53"
  "E6230FB14C29AD2E23B16E0B8F6AFD4D709B562DC4921F550450AC8FD0973DD8"
  "0DAE629CB399DD6E3E96695E2E8060196D5FFFD292A1246AD76219E998FDD0E6"
  "90B405A0D2AD9C9CADF905520C4E6B66952E0DA27E523060DE310A539F6BF30E"
  "48B69A5F26D5E283DE6EE8F51AFB920E00D1B1AE3BA423041A63BA788B6F6BCB"
  "A2AD7C89946EEE79D726649BCEAB43BB920F11260F8017C9921A60C169B28569";

static const char srp_n[] =
  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
  "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
  "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
  "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
  "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
  "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
  "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
  "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
  "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
  "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
  "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
  "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

/* Secrets chosen so that B, A or S starts with a zero byte, with I = "Pair-Setup",
 * p = "518-08-582" and hap_salt. Expected K, M1, M2 come from an independent Python
 * model of the ADK padding rules (docs/protocol.md §2.1 "Practical advice"): K hashes S
 * stripped, M1 hashes A and B stripped, M2 hashes A padded. */
typedef struct
{
  const char *name;
  gsize       public_b_len;  /* B as sent, leading zeros stripped */
  const char *a;
  const char *b;
  const char *key;
  const char *m1;
  const char *m2;
} LeadingZeroCase;

static const LeadingZeroCase leading_zero_cases[] = {
  {
    "b-lead", 383,
    "60975527035CF2AD1989806F0407210BC81EDC04E2762A56AFD529DDDA2D4393",
    "B24A67F029A5E87FEEF7E195CDBEC7B58BBAD0AE94556509B9AD1A1A075249AF",
    "D78E9929E7D1712E3AEC1F84F90241559429CB6C0A89E18F01E1BBBE6E8D8E03"
    "B4A4A4B86C19274B2A1ADB753D0BC9279E1D252293773CE687F61C5EC47E0006",
    "D85B2A6F9F707537C89C4BCE359814CBF82F2D4F2C9D515CBD8C4348EB8E2156"
    "A1C2D48369258BB3B1F80BCFD53743B88C8A1C42EC40A76E038521B55983EA8F",
    "6533FC603BF82235265CBFDEACC9EC01A02596636F2F505822993EC7D9D0006C"
    "AB4F5638645749478BB8CF9837C7C856D05B3AE27C5549BEBB58A7D5B894E32B",
  },
  {
    "a-lead", 384,
    "6A5D753A7965252987376424C5587086DB93B13E334064B9FCC88D88DD8C6FC2",
    "E487CB59D31AC550471E81F00F6928E01DDA08E974A004F49E61F5D105284D20",
    "485A5B090EADBAD95090708967FC7F24738CEF91A3C46BE70507BD4380BC01D3"
    "1245B408A8873F92738804F8917A9AEFAD0B220BF8FB69B76784DEEE798F5FE6",
    "BB977A4F141B50D52E812D9D34EF939BBC703AEDA73D09CA05ECEED728B0A580"
    "053DA7D77342827DCC602CE822BA206894E9DCC896CD6A544AD9800C343D66E8",
    "334DCFCE8DF44FF076B371033A6A2BC5C0CC0964CD8853FBE59ED3ABCE8F9C5B"
    "DC26C6654267851BCE4ED9A64C86B396921597B144EE48D5FBEC8D91ACEF3CC7",
  },
  {
    "s-lead", 384,
    "47A981003C03A310D74611E71D66DF2FE0CD6C6D6712E810575FC8AE33F01EA0",
    "E487CB59D31AC550471E81F00F6928E01DDA08E974A004F49E61F5D105284D20",
    "92A68E50EC7DB268D06B3B7197E4A5A8A69CF9EA64B24E1229B56CFEA591AD7D"
    "64FA5B4E707E8CE950EA76A5F63A3D71C2C533C732AE6C15C04D960590BB48E3",
    "1D7F483F6CAEB707DB2127C011F3C459A53371B891E10F4A74DD35DE8A96DB16"
    "253D775E9F3B501569B2191F6996CC89501031E262B9930A559C9CED5C8A7EC5",
    "66DB8D259F27517FB23FC360C570EB193279CEABF705434569CAAF50512CADB7"
    "334A25F62CB778204377845F6808D4065DB658EDB93893F6075AD81BEDB8BF8D",
  },
};

static GBytes *
hex (const char *str)
{
  gsize n = strlen (str);
  guint8 *out;

  g_assert_cmpuint (n % 2, ==, 0);
  out = g_malloc (n / 2);
  for (gsize i = 0; i < n / 2; i++)
    out[i] = (guint8) (g_ascii_xdigit_value (str[2 * i]) << 4
                       | g_ascii_xdigit_value (str[2 * i + 1]));
  return g_bytes_new_take (out, n / 2);
}

#define BYTES(b) g_bytes_get_data ((b), NULL)
#define assert_bytes_eq(data, len, expected) \
  g_assert_cmpmem ((data), (len), g_bytes_get_data ((expected), NULL), \
                   g_bytes_get_size ((expected)))

static void
test_verifier_alice (void)
{
  g_autoptr(GBytes) salt = hex (vec_salt);
  g_autoptr(GBytes) v = hex (vec_v);
  guint8 verifier[HAP_SRP_PRIME_LEN];

  hap_srp_compute_verifier ("alice", "password123", BYTES (salt), verifier);
  assert_bytes_eq (verifier, sizeof verifier, v);
}

/* docs/protocol.md §7.1, end: I = "Pair-Setup", p = "518-08-582" with the dashes. */
static void
test_verifier_hap (void)
{
  g_autoptr(GBytes) salt = hex (hap_salt);
  g_autoptr(GBytes) v = hex (hap_v);
  guint8 verifier[HAP_SRP_PRIME_LEN];

  hap_srp_compute_verifier (HAP_SRP_USERNAME, "518-08-582", BYTES (salt), verifier);
  assert_bytes_eq (verifier, sizeof verifier, v);

  /* Without the dashes it is a different password. */
  hap_srp_compute_verifier (HAP_SRP_USERNAME, "51808582", BYTES (salt), verifier);
  g_assert_false (memcmp (verifier, BYTES (v), sizeof verifier) == 0);
}

/* The complete vector: server with b, client with a, both directions of proof. */
static void
test_vector (void)
{
  g_autoptr(GBytes) salt = hex (vec_salt);
  g_autoptr(GBytes) a = hex (vec_a);
  g_autoptr(GBytes) b = hex (vec_b);
  g_autoptr(GBytes) v = hex (vec_v);
  g_autoptr(GBytes) public_a = hex (vec_A);
  g_autoptr(GBytes) public_b = hex (vec_B);
  g_autoptr(GBytes) key = hex (vec_K);
  g_autoptr(GBytes) m1 = hex (vec_M1);
  g_autoptr(GBytes) m2 = hex (vec_M2);
  g_autoptr(HapSrpServer) server = NULL;
  g_autoptr(HapSrpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data;
  gsize len;
  guint8 proof_m2[HAP_SRP_PROOF_LEN];

  server = hap_srp_server_new_full ("alice", BYTES (salt), BYTES (v), BYTES (b));
  g_assert_null (hap_srp_server_get_session_key (server));

  /* B = (k·v + g^b) mod N; its first byte is not zero, so nothing is stripped. */
  data = hap_srp_server_get_public_key (server, &len);
  assert_bytes_eq (data, len, public_b);

  client = hap_srp_client_new ("alice", "password123", BYTES (salt), HAP_SRP_SALT_LEN,
                               data, len, BYTES (a), &error);
  g_assert_no_error (error);
  g_assert_nonnull (client);

  data = hap_srp_client_get_public_key (client, &len);
  assert_bytes_eq (data, len, public_a);
  assert_bytes_eq (hap_srp_client_get_proof (client), HAP_SRP_PROOF_LEN, m1);
  assert_bytes_eq (hap_srp_client_get_session_key (client), HAP_SRP_KEY_LEN, key);

  g_assert_true (hap_srp_server_verify (server, BYTES (public_a), g_bytes_get_size (public_a),
                                        BYTES (m1), g_bytes_get_size (m1),
                                        proof_m2, &error));
  g_assert_no_error (error);
  assert_bytes_eq (proof_m2, sizeof proof_m2, m2);
  g_assert_nonnull (hap_srp_server_get_session_key (server));
  assert_bytes_eq (hap_srp_server_get_session_key (server), HAP_SRP_KEY_LEN, key);

  g_assert_true (hap_srp_client_verify_server (client, proof_m2, sizeof proof_m2));
  proof_m2[17] ^= 0x20;
  g_assert_false (hap_srp_client_verify_server (client, proof_m2, sizeof proof_m2));
  g_assert_false (hap_srp_client_verify_server (client, BYTES (m2), HAP_SRP_PROOF_LEN - 1));
}

/* u and S are internal; the library's K above equals H(S) only if u and S are right.
 * This pins the vector's own u and S to that K and to the padding rule for u. */
static void
test_vector_u_and_s (void)
{
  g_autoptr(GBytes) public_a = hex (vec_A);
  g_autoptr(GBytes) public_b = hex (vec_B);
  g_autoptr(GBytes) u = hex (vec_u);
  g_autoptr(GBytes) s = hex (vec_S);
  g_autoptr(GBytes) key = hex (vec_K);
  crypto_hash_sha512_state st;
  guint8 digest[crypto_hash_sha512_BYTES];

  hap_crypto_init ();

  /* u = H(PAD(A) ‖ PAD(B)) */
  crypto_hash_sha512_init (&st);
  crypto_hash_sha512_update (&st, BYTES (public_a), HAP_SRP_PRIME_LEN);
  crypto_hash_sha512_update (&st, BYTES (public_b), HAP_SRP_PRIME_LEN);
  crypto_hash_sha512_final (&st, digest);
  assert_bytes_eq (digest, sizeof digest, u);

  /* K = H(S); S has no leading zero byte here. */
  g_assert_cmpuint (((const guint8 *) BYTES (s))[0], !=, 0);
  crypto_hash_sha512 (digest, BYTES (s), HAP_SRP_PRIME_LEN);
  assert_bytes_eq (digest, sizeof digest, key);
}

/* A server for the §7.1 vector, already holding b. */
static HapSrpServer *
vector_server (void)
{
  g_autoptr(GBytes) salt = hex (vec_salt);
  g_autoptr(GBytes) v = hex (vec_v);
  g_autoptr(GBytes) b = hex (vec_b);

  return hap_srp_server_new_full ("alice", BYTES (salt), BYTES (v), BYTES (b));
}

static void
test_wrong_password (void)
{
  g_autoptr(GBytes) salt = hex (vec_salt);
  g_autoptr(HapSrpServer) server = vector_server ();
  g_autoptr(HapSrpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *public_b, *public_a;
  gsize b_len, a_len;
  guint8 proof_m2[HAP_SRP_PROOF_LEN];

  public_b = hap_srp_server_get_public_key (server, &b_len);
  client = hap_srp_client_new ("alice", "password124", BYTES (salt), HAP_SRP_SALT_LEN,
                               public_b, b_len, NULL, &error);
  g_assert_no_error (error);
  public_a = hap_srp_client_get_public_key (client, &a_len);

  g_assert_false (hap_srp_server_verify (server, public_a, a_len,
                                         hap_srp_client_get_proof (client), HAP_SRP_PROOF_LEN,
                                         proof_m2, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  g_assert_null (hap_srp_server_get_session_key (server));
}

static void
assert_public_a_rejected (HapSrpServer *server,
                          const guint8 *public_a,
                          gsize         len)
{
  g_autoptr(GError) error = NULL;
  guint8 m1[HAP_SRP_PROOF_LEN] = { 0 };
  guint8 m2[HAP_SRP_PROOF_LEN];

  g_assert_false (hap_srp_server_verify (server, public_a, len, m1, sizeof m1, m2, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  g_assert_null (hap_srp_server_get_session_key (server));
}

/* RFC 5054 §2.5.4 / docs/protocol.md §2.1: A mod N == 0 is refused; so is an A wider
 * than the group. */
static void
test_illegal_public_a (void)
{
  g_autoptr(HapSrpServer) server = vector_server ();
  g_autoptr(GBytes) n = hex (srp_n);
  guint8 zero_padded[HAP_SRP_PRIME_LEN] = { 0 };
  guint8 too_long[HAP_SRP_PRIME_LEN + 1];
  static const guint8 zero = 0;

  assert_public_a_rejected (server, &zero, 1);
  assert_public_a_rejected (server, NULL, 0);
  assert_public_a_rejected (server, zero_padded, sizeof zero_padded);
  assert_public_a_rejected (server, BYTES (n), g_bytes_get_size (n));

  memset (too_long, 0, sizeof too_long);
  too_long[sizeof too_long - 1] = 2;
  assert_public_a_rejected (server, too_long, sizeof too_long);
}

static void
test_bad_proof_length (void)
{
  g_autoptr(HapSrpServer) server = vector_server ();
  g_autoptr(GBytes) public_a = hex (vec_A);
  g_autoptr(GBytes) m1 = hex (vec_M1);
  g_autoptr(GError) error = NULL;
  guint8 m2[HAP_SRP_PROOF_LEN];

  g_assert_false (hap_srp_server_verify (server, BYTES (public_a), HAP_SRP_PRIME_LEN,
                                         BYTES (m1), HAP_SRP_PROOF_LEN - 1, m2, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  g_clear_error (&error);

  /* The full proof still verifies afterwards. */
  g_assert_true (hap_srp_server_verify (server, BYTES (public_a), HAP_SRP_PRIME_LEN,
                                        BYTES (m1), HAP_SRP_PROOF_LEN, m2, &error));
  g_assert_no_error (error);
}

/* RFC 5054 §2.5.4: the client refuses B mod N == 0. */
static void
test_illegal_public_b (void)
{
  g_autoptr(GBytes) salt = hex (vec_salt);
  g_autoptr(GBytes) n = hex (srp_n);
  g_autoptr(GError) error = NULL;
  HapSrpClient *client;
  static const guint8 zero = 0;

  client = hap_srp_client_new ("alice", "password123", BYTES (salt), HAP_SRP_SALT_LEN,
                               &zero, 1, NULL, &error);
  g_assert_null (client);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  g_clear_error (&error);

  client = hap_srp_client_new ("alice", "password123", BYTES (salt), HAP_SRP_SALT_LEN,
                               BYTES (n), g_bytes_get_size (n), NULL, &error);
  g_assert_null (client);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
}

/* Random salt, b and a, HAP user name: both sides agree on K and on the proofs. */
static void
test_random_round_trips (void)
{
  hap_crypto_init ();

  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(HapSrpServer) server = NULL;
      g_autoptr(HapSrpClient) client = NULL;
      g_autoptr(GError) error = NULL;
      guint8 salt[HAP_SRP_SALT_LEN];
      guint8 verifier[HAP_SRP_PRIME_LEN];
      guint8 m2[HAP_SRP_PROOF_LEN];
      const guint8 *public_b, *public_a, *server_key;
      gsize b_len, a_len;

      randombytes_buf (salt, sizeof salt);
      hap_srp_compute_verifier (HAP_SRP_USERNAME, "518-08-582", salt, verifier);
      server = hap_srp_server_new (salt, verifier, NULL);

      public_b = hap_srp_server_get_public_key (server, &b_len);
      g_assert_cmpuint (b_len, >, 0);
      g_assert_cmpuint (b_len, <=, HAP_SRP_PRIME_LEN);
      g_assert_cmpuint (public_b[0], !=, 0);

      client = hap_srp_client_new (HAP_SRP_USERNAME, "518-08-582", salt, sizeof salt,
                                   public_b, b_len, NULL, &error);
      g_assert_no_error (error);
      public_a = hap_srp_client_get_public_key (client, &a_len);
      g_assert_cmpuint (a_len, ==, HAP_SRP_PRIME_LEN);

      g_assert_true (hap_srp_server_verify (server, public_a, a_len,
                                            hap_srp_client_get_proof (client),
                                            HAP_SRP_PROOF_LEN, m2, &error));
      g_assert_no_error (error);
      g_assert_true (hap_srp_client_verify_server (client, m2, sizeof m2));

      server_key = hap_srp_server_get_session_key (server);
      g_assert_nonnull (server_key);
      g_assert_cmpmem (server_key, HAP_SRP_KEY_LEN,
                       hap_srp_client_get_session_key (client), HAP_SRP_KEY_LEN);
    }
}

/* Two servers with random b give different B. */
static void
test_random_b_differs (void)
{
  g_autoptr(GBytes) salt = hex (hap_salt);
  g_autoptr(GBytes) v = hex (hap_v);
  g_autoptr(HapSrpServer) one = hap_srp_server_new (BYTES (salt), BYTES (v), NULL);
  g_autoptr(HapSrpServer) two = hap_srp_server_new (BYTES (salt), BYTES (v), NULL);
  const guint8 *b1, *b2;
  gsize len1, len2;

  b1 = hap_srp_server_get_public_key (one, &len1);
  b2 = hap_srp_server_get_public_key (two, &len2);
  g_assert_false (len1 == len2 && memcmp (b1, b2, len1) == 0);
}

/* docs/protocol.md §2.1 padding edge cases (leading zero byte in B, A or S). */
static void
test_leading_zero (gconstpointer data)
{
  const LeadingZeroCase *tc = data;
  g_autoptr(GBytes) salt = hex (hap_salt);
  g_autoptr(GBytes) v = hex (hap_v);
  g_autoptr(GBytes) a = hex (tc->a);
  g_autoptr(GBytes) b = hex (tc->b);
  g_autoptr(GBytes) key = hex (tc->key);
  g_autoptr(GBytes) m1 = hex (tc->m1);
  g_autoptr(GBytes) m2 = hex (tc->m2);
  g_autoptr(HapSrpServer) server = NULL;
  g_autoptr(HapSrpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *public_b, *public_a;
  gsize b_len, a_len, a_start = 0;
  guint8 proof_m2[HAP_SRP_PROOF_LEN];

  server = hap_srp_server_new (BYTES (salt), BYTES (v), BYTES (b));
  public_b = hap_srp_server_get_public_key (server, &b_len);
  g_assert_cmpuint (b_len, ==, tc->public_b_len);
  g_assert_cmpuint (public_b[0], !=, 0);

  client = hap_srp_client_new (HAP_SRP_USERNAME, "518-08-582",
                               BYTES (salt), HAP_SRP_SALT_LEN,
                               public_b, b_len, BYTES (a), &error);
  g_assert_no_error (error);
  assert_bytes_eq (hap_srp_client_get_proof (client), HAP_SRP_PROOF_LEN, m1);
  assert_bytes_eq (hap_srp_client_get_session_key (client), HAP_SRP_KEY_LEN, key);

  /* Send A the way a controller may: stripped of leading zeros. */
  public_a = hap_srp_client_get_public_key (client, &a_len);
  while (a_start < a_len && public_a[a_start] == 0)
    a_start++;

  g_assert_true (hap_srp_server_verify (server, public_a + a_start, a_len - a_start,
                                        BYTES (m1), HAP_SRP_PROOF_LEN, proof_m2, &error));
  g_assert_no_error (error);
  assert_bytes_eq (proof_m2, sizeof proof_m2, m2);
  assert_bytes_eq (hap_srp_server_get_session_key (server), HAP_SRP_KEY_LEN, key);
  g_assert_true (hap_srp_client_verify_server (client, proof_m2, sizeof proof_m2));
}

/* fast-srp (HAP-NodeJS, hap-controller) hashes A padded to 384 bytes inside M1 where the
 * ADK strips its leading zeros. With an A that starts with a zero byte the two differ;
 * the accessory must accept both (docs/protocol.md §2.1 ⚠). */
static void
test_padded_a_convention (void)
{
  /* g^a mod N is below 2^3064 for this a, so PAD(A) starts with a zero byte. */
  g_autoptr(GBytes) a = hex ("00a50000000000000000000000000000000000000000000000000000000002d4");
  guint8 salt[HAP_SRP_SALT_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
  guint8 verifier[HAP_SRP_PRIME_LEN];
  guint8 h_n[64], h_g[64], h_i[64], m1[64], m2[64];
  static const guint8 g = 5;
  const guint8 *pa, *pb;
  gsize a_len, b_len;
  crypto_hash_sha512_state st;
  g_autoptr(GError) error = NULL;
  g_autoptr(HapSrpServer) server = NULL;
  g_autoptr(HapSrpServer) server2 = NULL;
  g_autoptr(HapSrpClient) client = NULL;
  guint8 b_pad[HAP_SRP_PRIME_LEN];
  gsize b_start = 0;

  hap_srp_compute_verifier (HAP_SRP_USERNAME, "031-45-154", salt, verifier);
  server = hap_srp_server_new (salt, verifier, NULL);
  pb = hap_srp_server_get_public_key (server, &b_len);
  client = hap_srp_client_new (HAP_SRP_USERNAME, "031-45-154", salt, sizeof salt, pb, b_len,
                               BYTES (a), &error);
  g_assert_no_error (error);
  pa = hap_srp_client_get_public_key (client, &a_len);
  g_assert_cmpuint (a_len, ==, HAP_SRP_PRIME_LEN);
  g_assert_cmpuint (pa[0], ==, 0);

  /* M1 = H(H(N) xor H(g) ‖ H(I) ‖ s ‖ PAD(A) ‖ B ‖ K) */
  {
    g_autoptr(GBytes) n = hex (srp_n);
    crypto_hash_sha512 (h_n, BYTES (n), HAP_SRP_PRIME_LEN);
  }
  crypto_hash_sha512 (h_g, &g, 1);
  crypto_hash_sha512 (h_i, (const guint8 *) HAP_SRP_USERNAME, strlen (HAP_SRP_USERNAME));
  for (guint i = 0; i < 64; i++)
    h_n[i] ^= h_g[i];
  while (b_start < b_len && pb[b_start] == 0)
    b_start++;
  memcpy (b_pad, pb + b_start, b_len - b_start);
  crypto_hash_sha512_init (&st);
  crypto_hash_sha512_update (&st, h_n, 64);
  crypto_hash_sha512_update (&st, h_i, 64);
  crypto_hash_sha512_update (&st, salt, sizeof salt);
  crypto_hash_sha512_update (&st, pa, HAP_SRP_PRIME_LEN);   /* padded A */
  crypto_hash_sha512_update (&st, b_pad, b_len - b_start);
  crypto_hash_sha512_update (&st, hap_srp_client_get_session_key (client), HAP_SRP_KEY_LEN);
  crypto_hash_sha512_final (&st, m1);

  /* The ADK-style proof differs here, so this really exercises the fallback. */
  g_assert_true (memcmp (m1, hap_srp_client_get_proof (client), 64) != 0);
  g_assert_true (hap_srp_server_verify (server, pa, a_len, m1, 64, m2, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (hap_srp_server_get_session_key (server), 64, hap_srp_client_get_session_key (client), 64);
  /* M2 = H(PAD(A) ‖ M1 as sent ‖ K), which fast-srp checks the same way. */
  {
    guint8 expected_m2[64];
    crypto_hash_sha512_init (&st);
    crypto_hash_sha512_update (&st, pa, HAP_SRP_PRIME_LEN);
    crypto_hash_sha512_update (&st, m1, 64);
    crypto_hash_sha512_update (&st, hap_srp_client_get_session_key (client), HAP_SRP_KEY_LEN);
    crypto_hash_sha512_final (&st, expected_m2);
    g_assert_cmpmem (m2, 64, expected_m2, 64);
  }

  /* A wrong proof is still refused whatever the convention. */
  server2 = hap_srp_server_new (salt, verifier, NULL);
  m1[0] ^= 1;
  g_assert_false (hap_srp_server_verify (server2, pa, a_len, m1, 64, m2, NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/srp/verifier/alice", test_verifier_alice);
  g_test_add_func ("/srp/verifier/pair-setup", test_verifier_hap);
  g_test_add_func ("/srp/vector/full", test_vector);
  g_test_add_func ("/srp/vector/u-and-s", test_vector_u_and_s);
  g_test_add_func ("/srp/wrong-password", test_wrong_password);
  g_test_add_func ("/srp/illegal-a", test_illegal_public_a);
  g_test_add_func ("/srp/bad-proof-length", test_bad_proof_length);
  g_test_add_func ("/srp/illegal-b", test_illegal_public_b);
  g_test_add_func ("/srp/random/round-trips", test_random_round_trips);
  g_test_add_func ("/srp/random/b-differs", test_random_b_differs);
  g_test_add_func ("/srp/padded-a-convention", test_padded_a_convention);
  for (gsize i = 0; i < G_N_ELEMENTS (leading_zero_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/srp/leading-zero/%s",
                                               leading_zero_cases[i].name);

      g_test_add_data_func (path, &leading_zero_cases[i], test_leading_zero);
    }

  return g_test_run ();
}
