// A listener's insert_headers object: defaults, enable and alias keys, the forwarded-for
// mode, and the keys and names that are rejected.

#include "model/config_test_support.h"

#include <gmock/gmock.h>

namespace tollgate::model::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using ConfigInsertHeaders = ConfigTest;

TEST_F(ConfigInsertHeaders, DefaultsWithoutObject) {
    LoadResult result = load_listener(kHttpsListenerFields);

    ASSERT_THAT(error_lines(result), IsEmpty());
    const InsertHeaders& headers = result.config.listeners.at(0).insert_headers;
    for (const auto& spec : inserted_header_specs()) {
        EXPECT_EQ(headers[spec.header].enabled, spec.header == InsertedHeader::ForwardedHost)
            << spec.default_name;
        EXPECT_EQ(headers[spec.header].name, spec.default_name);
    }
    EXPECT_EQ(headers.forwarded_for_mode, XffMode::Append);
}

TEST_F(ConfigInsertHeaders, EnableAndAliasApplied) {
    LoadResult result =
        load_listener(kHttpsListenerFields +
                      ", insert_headers: {X-Forwarded-Host: false, X-Real-IP: true, "
                      "X-Forwarded-TLS-Protocol: true, X-Forwarded-TLS-Protocol-alias: X-Tls-Version, "
                      "X-Forwarded-Clientcert-enable: true, X-Forwarded-Clientcert-alias: "
                      "X-Client_Cert, X-Forwarded-Tls-Sni-alias: X-Sni, "
                      "X-Forwarded-For-Processing-Mode: preserve}");

    ASSERT_THAT(error_lines(result), IsEmpty());
    const InsertHeaders& headers = result.config.listeners.at(0).insert_headers;
    EXPECT_FALSE(headers[InsertedHeader::ForwardedHost].enabled);
    EXPECT_TRUE(headers[InsertedHeader::RealIp].enabled);
    EXPECT_TRUE(headers[InsertedHeader::TlsProtocol].enabled);
    EXPECT_EQ(headers[InsertedHeader::TlsProtocol].name, "X-Tls-Version");
    EXPECT_TRUE(headers[InsertedHeader::Clientcert].enabled);
    EXPECT_EQ(headers[InsertedHeader::Clientcert].name, "X-Client_Cert");
    // An alias alone renames the header but leaves it off.
    EXPECT_FALSE(headers[InsertedHeader::TlsSni].enabled);
    EXPECT_EQ(headers[InsertedHeader::TlsSni].name, "X-Sni");
    EXPECT_EQ(headers.forwarded_for_mode, XffMode::Preserve);
}

TEST_F(ConfigInsertHeaders, EveryKeyOfSpecAccepted) {
    std::string object;
    for (const auto& spec : inserted_header_specs()) {
        object += std::string(spec.enable_key) + ": true, ";
        if (!spec.alias_key.empty()) {
            object += std::string(spec.alias_key) + ": Alias-" +
                      std::to_string(static_cast<int>(spec.header)) + ", ";
        }
    }
    LoadResult result = load_listener(kHttpsListenerFields + ", insert_headers: {" + object +
                                      "X-Forwarded-For-Processing-Mode: remove}");

    ASSERT_THAT(error_lines(result), IsEmpty());
    const InsertHeaders& headers = result.config.listeners.at(0).insert_headers;
    for (const auto& spec : inserted_header_specs()) {
        EXPECT_TRUE(headers[spec.header].enabled) << spec.default_name;
        if (!spec.alias_key.empty()) {
            EXPECT_EQ(headers[spec.header].name, "Alias-" + std::to_string(static_cast<int>(spec.header)));
        }
    }
    EXPECT_EQ(headers.forwarded_for_mode, XffMode::Remove);
}

TEST_F(ConfigInsertHeaders, NullObjectKeepsDefaults) {
    LoadResult result = load_listener(kHttpsListenerFields + ", insert_headers: null");

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_TRUE(result.config.listeners.at(0).insert_headers[InsertedHeader::ForwardedHost].enabled);
}

TEST_F(ConfigInsertHeaders, ObjectMustBeMapping) {
    LoadResult result = load_listener(kHttpsListenerFields + ", insert_headers: [X-Real-IP]");

    EXPECT_THAT(error_lines(result),
                ElementsAre("listeners[web].insert_headers: invalid value \"[X-Real-IP]\": use a "
                            "mapping from insert_headers keys to values"));
}

TEST_F(ConfigInsertHeaders, EnableValueMustBeBoolean) {
    LoadResult result = load_listener(kHttpsListenerFields + ", insert_headers: {X-Real-IP: on}");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("listeners[web].insert_headers.X-Real-IP: invalid value \"on\": use true or false"));
}

TEST_F(ConfigInsertHeaders, AliasFormRules) {
    LoadResult result = load_listener(kHttpsListenerFields +
                                      ", insert_headers: {X-Forwarded-TLS-Cipher-alias: 'X Cipher', "
                                      "X-Forwarded-Tls-Sni-alias: '', X-Forwarded-Clientcert-end-alias: " +
                                      std::string(41, 'a') + "}");

    std::string fix = ": use 1 to 40 characters of A-Z, a-z, 0-9, _ and -";
    EXPECT_THAT(
        error_lines(result),
        ElementsAre(
            "listeners[web].insert_headers.X-Forwarded-TLS-Cipher-alias: invalid value \"X Cipher\"" + fix,
            "listeners[web].insert_headers.X-Forwarded-Tls-Sni-alias: invalid value \"\"" + fix,
            "listeners[web].insert_headers.X-Forwarded-Clientcert-end-alias: invalid value \"" +
                std::string(41, 'a') + "\"" + fix));
}

TEST_F(ConfigInsertHeaders, AliasOfHeaderWithoutAliasKeyRejected) {
    LoadResult result =
        load_listener(kHttpsListenerFields + ", insert_headers: {X-Real-IP-alias: X-Client-IP}");

    EXPECT_THAT(error_lines(result),
                ElementsAre("listeners[web].insert_headers.X-Real-IP-alias: unknown field: "
                            "X-Real-IP has no alias key, so remove this entry"));
}

TEST_F(ConfigInsertHeaders, HttpsOnlyHeaderRejectedOnHttp) {
    LoadResult result =
        load_listener(kHttpListenerFields +
                      ", insert_headers: {X-Forwarded-Proto: true, X-Forwarded-TLS-Cipher: true, "
                      "X-Forwarded-Clientcert-subjectdn-enable: true, "
                      "X-Forwarded-Clientcert-issuerdn-enable: false, "
                      "X-Forwarded-Clientcert-alias: X-Cert}");

    std::string problem = ": HTTPS-only header on an HTTP listener ";
    std::string fix = ": remove it or set protocol to HTTPS";
    EXPECT_THAT(
        error_lines(result),
        ElementsAre(
            "listeners[plain].insert_headers.X-Forwarded-TLS-Cipher" + problem + "\"true\"" + fix,
            "listeners[plain].insert_headers.X-Forwarded-Clientcert-alias" + problem + "\"X-Cert\"" + fix,
            "listeners[plain].insert_headers.X-Forwarded-Clientcert-subjectdn-enable" + problem + "\"true\"" +
                fix));
}

TEST_F(ConfigInsertHeaders, UnknownKeySuggestsClosest) {
    LoadResult result =
        load_listener(kHttpsListenerFields +
                      ", insert_headers: {X-Forwarded-Clientcert-subjectdn: true, x-real-ip: true, "
                      "X-Request-Id: true}");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("listeners[web].insert_headers.X-Forwarded-Clientcert-subjectdn: unknown field: did you "
                    "mean \"X-Forwarded-Clientcert-subjectdn-enable\"?",
                    "listeners[web].insert_headers.x-real-ip: unknown field: did you mean \"X-Real-IP\"?",
                    "listeners[web].insert_headers.X-Request-Id: unknown field: remove it or check its "
                    "spelling"));
}

TEST_F(ConfigInsertHeaders, InvalidForwardedForMode) {
    LoadResult result = load_listener(kHttpsListenerFields +
                                      ", insert_headers: {X-Forwarded-For-Processing-Mode: "
                                      "replace}");

    EXPECT_THAT(error_lines(result),
                ElementsAre("listeners[web].insert_headers.X-Forwarded-For-Processing-Mode: "
                            "invalid value \"replace\": use append, remove or preserve"));
}

TEST_F(ConfigInsertHeaders, ReservedAliasRejected) {
    LoadResult result = load_listener(kHttpsListenerFields +
                                      ", insert_headers: {X-Forwarded-TLS-Cipher-alias: content-length, "
                                      "X-Forwarded-Tls-Sni-alias: X-Forwarded-For}");

    std::string fix = ": choose a name that the proxy does not set or interpret itself";
    EXPECT_THAT(
        error_lines(result),
        ElementsAre("listeners[web].insert_headers.X-Forwarded-TLS-Cipher-alias: reserved header name "
                    "\"content-length\"" +
                        fix,
                    "listeners[web].insert_headers.X-Forwarded-Tls-Sni-alias: reserved header name "
                    "\"X-Forwarded-For\"" +
                        fix));
}

TEST_F(ConfigInsertHeaders, AliasClashRejected) {
    LoadResult result =
        load_listener(kHttpsListenerFields +
                      ", insert_headers: {X-Forwarded-TLS-Protocol-alias: x-real-ip, "
                      "X-Forwarded-TLS-Cipher-alias: X-Tls, X-Forwarded-Tls-Sni-alias: x-tls}");

    std::string fix = ": choose a name that no other inserted header of this listener has";
    EXPECT_THAT(
        error_lines(result),
        ElementsAre("listeners[web].insert_headers.X-Forwarded-TLS-Protocol-alias: name already used by "
                    "another inserted header \"x-real-ip\"" +
                        fix,
                    "listeners[web].insert_headers.X-Forwarded-Tls-Sni-alias: name already used by another "
                    "inserted header \"x-tls\"" +
                        fix));
}

TEST_F(ConfigInsertHeaders, LaterHeadersNotSupportedYet) {
    LoadResult result =
        load_listener(kHttpsListenerFields +
                      ", insert_headers: {X-Forwarded-Tls-Ja3-enable: true, "
                      "X-Forwarded-Tls-Ja4-enable: false, X-Forwarded-Clientcert-ciphers-alias: X-C}");

    EXPECT_THAT(error_lines(result),
                ElementsAre("listeners[web].insert_headers.X-Forwarded-Tls-Ja3-enable: not "
                            "supported yet \"true\": remove it or set it to false"));
}

}  // namespace
}  // namespace tollgate::model::testing
