#include "uoms/crypto.hpp"
#include "uoms/time.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using uoms::crypto::base64_decode;
using uoms::crypto::base64_encode;
using uoms::crypto::Fernet;
using uoms::crypto::hmac_sha256_hex;

namespace {

// The secret shared by every vector of https://github.com/fernet/spec.
constexpr std::string_view k_spec_secret = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
constexpr std::string_view k_spec_token =
  "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==";

std::uint64_t spec_now(std::string_view text)
{
  const auto t = uoms::parse_time(text);
  REQUIRE(t.has_value());
  return std::uint64_t(uoms::to_epoch_seconds(*t));
}

Fernet spec_fernet()
{
  auto fernet = Fernet::from_key(k_spec_secret);
  REQUIRE(fernet.has_value());
  return *fernet;
}

} // namespace

TEST_CASE("crypto::hmac_sha256")
{
  SUBCASE("RFC 4231")
  {
    CHECK(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(uoms::crypto::hmac_sha256_raw("Jefe", "what do ya want for nothing?").size() == 32);
  }

  SUBCASE("Coupang CEA signatures (coupang.md 2.8)")
  {
    constexpr std::string_view key = "7ffcdf980d908fe7ca3d642868e22f99f0306bf5";
    const std::string date = "250801T000000Z";
    struct Row
    {
      const char* method;
      const char* path;
      const char* query;
      const char* signature;
    };
    const Row rows[] = {
      {"GET", "/v2/providers/openapi/apis/api/v4/vendors/A00012345/ordersheets",
       "createdAtFrom=2017-10-10&createdAtTo=2017-10-11&maxPerPage=2&status=INSTRUCT",
       "3bf1f5c3bf8ee8cc736417f2cfab1b784bb712dea916498cb8c012f27fdec868"},
      {"GET", "/v2/providers/openapi/apis/api/v5/vendors/A00012345/ordersheets",
       "createdAtFrom=2025-07-15%2B09:00&createdAtTo=2025-07-25%2B09:00&maxPerPage=50&status=INSTRUCT",
       "c182d2e69b02adbb2f62eb1eb7ea6236d581806af06d5a128109174c12123d19"},
      {"POST", "/v2/providers/openapi/apis/api/v4/vendors/A00012345/orders/invoices", "",
       "9d1b5447f566e37191686fff76204bf0f0ec7e98655644cdd9962be0d871c405"},
      {"PUT", "/v2/providers/seller_api/apis/api/v1/marketplace/vendor-items/3242596358/quantities/10", "",
       "d7e4635c4793af7d6c398531c7cb4c385809613118da15efbb4b8cebd24e9165"},
      {"GET", "/v2/providers/openapi/apis/api/v4/vendors/A00012345/returnRequests",
       "createdAtFrom=2018-08-08&createdAtTo=2018-08-08&status=UC",
       "d4e597419dc5227d3c39863b8d989b9ca80b8bfb3017ccf81a48da06e4decfed"},
    };
    for (const Row& row : rows) {
      const std::string message = date + row.method + row.path + row.query;
      CHECK_MESSAGE(hmac_sha256_hex(key, message) == row.signature, message);
    }
  }

  SUBCASE("Shopee signs (shopee.md 1.11)")
  {
    constexpr std::string_view key = "57615053704d6470644f554a78656d50484143644964436a5568777544524579";
    const std::pair<const char*, const char*> vectors[] = {
      {"2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711",
       "b914bea03c13799deb036bb9d10e689f5a6bade160c44af568646f1ef7d796c1"},
      {"2001887/api/v2/global_product/get_category165571443109777174636962737266615546704c6d1000000",
       "a50a2229b148e76048e21ad69a9d619885a21bd4aa7738bc524e1207df73a151"},
      {"2001887/api/v2/public/get_shops_by_partner1655714431",
       "60ab8c4a535009ab33b8a0029ee18a667ef6eaeb16481ed3d573a5059122d4df"},
      {"2001887/api/v2/order/get_order_list165571443159777174636562737266615546704c6d14701711",
       "0d4c4ad50011993da2000f0aa298092b6b5717d79660bff5104cddf8eead3d78"},
      {"2001887/api/v2/order/get_order_detail165571443159777174636562737266615546704c6d14701711",
       "b018a24c8a6e019131314d46e7f9a9270caded459246cf5b25ebc594a736c353"},
      {"2001887/api/v2/logistics/ship_order165571443159777174636562737266615546704c6d14701711",
       "2538e26a60775309acafa858523aaedc1438ae507f85022537fd45fb12829bbd"},
      {"2001887/api/v2/logistics/get_tracking_number165571443159777174636562737266615546704c6d14701711",
       "890c07c4969a9915cf6fc54ee0b9ffc48247ed903a88cf69d335a272f62c7a7d"},
      {"2001887/api/v2/product/update_stock165571443159777174636562737266615546704c6d14701711",
       "e6d457ecdff593a6b22b51291698ab01318bd32a4a00401e9f05fef895671fb6"},
      {"2001887/api/v2/auth/token/get1655714431",
       "a04e209270a2b5ad27d10a237a3f4ba9715aa3f109de7c4d52973a17ddd932ee"},
      {"2001887/api/v2/auth/access_token/get1655714431",
       "ec228461f4fda091fec25c8ff7102fe6865f07aa0159c7ff690a241d968b4f5e"},
      {"2001887/api/v2/shop/auth_partner1655714431",
       "0073b5b6e36428d5f469ae927416d50b34ed92480534178c39c7347be0535402"},
    };
    for (const auto& [base, sign] : vectors) {
      CHECK_MESSAGE(hmac_sha256_hex(key, base) == sign, base);
    }
    CHECK(hmac_sha256_hex("test_partner_key",
                          "/api/v2/auth/token/get123456test_partner_idtest_shop_idtest_main_account_id") ==
          "37c864bd9821ff5f2c2f46b2faca14eb1811a718d1fdc6dcf383cba7c74bf9e9");
  }
}

TEST_CASE("crypto::sha256_hex")
{
  CHECK(uoms::crypto::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(uoms::crypto::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("crypto::random_bytes")
{
  const std::string a = uoms::crypto::random_bytes(32);
  const std::string b = uoms::crypto::random_bytes(32);
  CHECK(a.size() == 32);
  CHECK(a != b);
  CHECK(uoms::crypto::random_bytes(0).empty());
}

TEST_CASE("crypto::base64")
{
  SUBCASE("RFC 4648 vectors, padded and not")
  {
    const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
      CHECK(base64_encode(plain) == encoded);
      CHECK(base64_decode(encoded) == plain);
      std::string unpadded(encoded);
      while (!unpadded.empty() && unpadded.back() == '=') {
        unpadded.pop_back();
      }
      CHECK(base64_encode(plain, false, false) == unpadded);
      CHECK(base64_decode(unpadded) == plain);
    }
  }
  SUBCASE("url-safe alphabet")
  {
    const std::string data("\xfb\xff\xfe", 3);
    CHECK(base64_encode(data) == "+//+");
    CHECK(base64_encode(data, true) == "-__-");
    CHECK(base64_decode("-__-", true) == data);
    CHECK(base64_decode("+//+") == data);
    CHECK(base64_encode(std::string("\xff", 1), true, false) == "_w");
    CHECK(base64_decode("_w", true) == std::string("\xff", 1));
  }
  SUBCASE("binary with embedded zero bytes")
  {
    const std::string data("\0\0\x01\0", 4);
    CHECK(base64_decode(base64_encode(data)) == data);
  }
  SUBCASE("rejects characters outside the alphabet and bad padding")
  {
    CHECK_FALSE(base64_decode("-__-").has_value());
    CHECK_FALSE(base64_decode("+//+", true).has_value());
    CHECK_FALSE(base64_decode("Zm9v!").has_value());
    CHECK_FALSE(base64_decode("Zm 9v").has_value());
    CHECK_FALSE(base64_decode("Z").has_value());
    CHECK_FALSE(base64_decode("Zg=x").has_value());
    CHECK_FALSE(base64_decode("Zg===").has_value());
    CHECK_FALSE(base64_decode("Zm8==").has_value());
  }
}

TEST_CASE("crypto::bcrypt")
{
  SUBCASE("Smartstore client secret signature")
  {
    const std::string client_id = "aaaabbbbcccc";
    const std::string secret = "$2a$10$abcdefghijklmnopqrstuv";
    const std::string password = client_id + "_" + "1643961623299";
    const auto hashed = uoms::crypto::bcrypt(password, secret);
    REQUIRE(hashed.has_value());
    CHECK(hashed->starts_with("$2a$10$abcdefghijklmnopqrstu"));
    CHECK(base64_encode(*hashed) ==
          "JDJhJDEwJGFiY2RlZmdoaWprbG1ub3BxcnN0dXVCVldZSk42T0VPdEx1OFY0cDQxa2IuTnpVaUEzbmsy");
  }
  SUBCASE("malformed salt")
  {
    CHECK_FALSE(uoms::crypto::bcrypt("password", "$2a$10$short").has_value());
    CHECK_FALSE(uoms::crypto::bcrypt("password", "$2a$99$abcdefghijklmnopqrstuv").has_value());
  }
}

TEST_CASE("crypto::Fernet")
{
  SUBCASE("spec generate.json")
  {
    const std::string iv("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16);
    const std::uint64_t now = spec_now("1985-10-26T01:20:00-07:00");
    CHECK(now == 499162800);
    CHECK(spec_fernet().encrypt("hello", now, iv) == k_spec_token);
  }
  SUBCASE("spec verify.json")
  {
    const auto plain = spec_fernet().decrypt(k_spec_token, 60, spec_now("1985-10-26T01:20:01-07:00"));
    REQUIRE(plain.has_value());
    CHECK(*plain == "hello");
    // Without a TTL the timestamp is not checked at all.
    CHECK(spec_fernet().decrypt(k_spec_token) == "hello");
  }
  SUBCASE("spec invalid.json")
  {
    struct Case
    {
      const char* desc;
      const char* token;
      const char* now;
      const char* error;
    };
    const Case cases[] = {
      {"incorrect mac",
       "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykQUFBQUFBQUFBQQ==",
       "1985-10-26T01:20:01-07:00", "invalid token"},
      {"too short", "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==", "1985-10-26T01:20:01-07:00",
       "invalid token"},
      {"invalid base64",
       "%%%%%%%%%%%%%AECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==",
       "1985-10-26T01:20:01-07:00", "invalid token"},
      {"payload size not multiple of block size",
       "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPOm73QeoCk9uGib28Xe5vz6oxq5nmxbx_v7mrfyudzUm",
       "1985-10-26T01:20:01-07:00", "invalid token"},
      {"payload padding error",
       "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYREu2FWke6CnJNYIbkuKNqOhw==",
       "1985-10-26T01:20:01-07:00", "invalid token"},
      {"far-future TS (unacceptable clock skew)",
       "gAAAAAAdwStRAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAnja1xKYyhd-Y6mSkTOyTGJmw2Xc2a6kBd-iX9b_qXQcw==",
       "1985-10-26T01:20:01-07:00", "token from the future"},
      {"expired TTL",
       "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==",
       "1985-10-26T01:21:31-07:00", "token expired"},
      {"incorrect IV (causes padding error)",
       "gAAAAAAdwJ6xBQECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAkLhFLHpGtDBRLRTZeUfWgHSv49TF2AUEZ1TIvcZjK1zQ==",
       "1985-10-26T01:20:01-07:00", "invalid token"},
      {"trailing characters after b64 padding",
       "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="
       "trailingdata",
       "1985-10-26T01:20:01-07:00", "invalid token"},
      {"invalid characters in b64",
       "*gAAAAAAdwJ6wAAECAwQFBgcI!CQoLDA0ODy021?cpGVWKZ_eEwC@GM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==",
       "1985-10-26T01:20:01-07:00", "invalid token"},
      {"invalid non-urlsafe characters in b64",
       "gAAAAAAdwJ6wAAEC/AwQFBgcICQoLDA0ODy+021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==",
       "1985-10-26T01:20:01-07:00", "invalid token"},
    };
    for (const Case& c : cases) {
      const auto result = spec_fernet().decrypt(c.token, 60, spec_now(c.now));
      CHECK_MESSAGE(!result.has_value(), c.desc);
      if (!result.has_value()) {
        CHECK_MESSAGE(result.error() == c.error, c.desc);
      }
    }
  }
  SUBCASE("round trip, wrong key, tampering")
  {
    const std::string key = Fernet::generate_key();
    CHECK(key.size() == 44);
    const auto fernet = Fernet::from_key(key);
    REQUIRE(fernet.has_value());
    for (const std::string& plain : {std::string{}, std::string("hello"), std::string(1000, 'x'),
                                    std::string("\0binary\xff", 8)}) {
      const std::string token = fernet->encrypt(plain);
      CHECK(token.starts_with("gAAAAA"));
      CHECK(fernet->decrypt(token) == plain);
      CHECK(fernet->decrypt(token, 3600).value_or("expired") == plain);
    }
    const std::string token = fernet->encrypt("secret");
    CHECK(fernet->encrypt("secret") != token); // random IV

    const auto other = Fernet::from_key(Fernet::generate_key());
    REQUIRE(other.has_value());
    CHECK(other->decrypt(token).error() == "invalid token");

    std::string tampered = token;
    tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
    CHECK(fernet->decrypt(tampered).error() == "invalid token");
    CHECK(fernet->decrypt("").error() == "invalid token");
  }
  SUBCASE("TTL boundaries")
  {
    const std::string iv(16, '\x01');
    const auto fernet = spec_fernet();
    const std::string token = fernet.encrypt("x", 1000, iv);
    CHECK(fernet.decrypt(token, 60, 1060) == "x");
    CHECK(fernet.decrypt(token, 60, 1061).error() == "token expired");
    CHECK(fernet.decrypt(token, 60, 940) == "x");
    CHECK(fernet.decrypt(token, 60, 939).error() == "token from the future");
  }
  SUBCASE("malformed keys")
  {
    CHECK_FALSE(Fernet::from_key("").has_value());
    CHECK_FALSE(Fernet::from_key("short").has_value());
    // Missing padding is accepted, like the rest of base64_decode.
    CHECK(Fernet::from_key("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4").has_value());
    CHECK_FALSE(Fernet::from_key("cw/0x689RpI+jtRR7oE8h/eQsKImvJapLeSbXpwF4e4=").has_value());
    CHECK_FALSE(Fernet::from_key(base64_encode(std::string(31, 'k'), true)).has_value());
  }
}
