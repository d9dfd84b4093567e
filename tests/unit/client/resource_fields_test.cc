#include "client/resource_fields.h"

#include "fake_api.h"
#include "temp_dir.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace tollgate::client {
namespace {

using test::FakeApi;

TEST(ConvertFlagValues, TypesFollowTheFields) {
    FlagValues values;
    values.fields = {{"name", "web"},
                     {"protocol_port", "443"},
                     {"enable_member_retry", "false"},
                     {"default_pool_id", "app"}};
    auto fields = convert_flag_values(Kind::Listener, values, nullptr);
    ASSERT_TRUE(fields) << fields.error().message;
    EXPECT_EQ(fields->dump(), R"({"name":"web","protocol_port":443,"enable_member_retry":false})");
}

TEST(ConvertFlagValues, InvalidInteger) {
    FlagValues values;
    values.fields = {{"client_timeout", "30s"}};
    auto fields = convert_flag_values(Kind::Listener, values, nullptr);
    ASSERT_FALSE(fields);
    EXPECT_EQ(fields.error().message, "invalid --client-timeout \"30s\": use a whole number");
}

TEST(ConvertFlagValues, InsertHeadersMergeIntoStored) {
    FlagValues values;
    values.insert_headers = {"X-Real-IP=true", "X-Forwarded-Host=false",
                             "X-Forwarded-Clientcert-subjectdn-alias=X-Client-DN",
                             "X-Forwarded-For-Processing-Mode=remove"};
    Json stored = {{"insert_headers", {{"X-Forwarded-Host", true}, {"X-Forwarded-Port", true}}}};
    auto fields = convert_flag_values(Kind::Listener, values, &stored);
    ASSERT_TRUE(fields) << fields.error().message;
    EXPECT_EQ(
        (*fields)["insert_headers"].dump(),
        R"({"X-Forwarded-Host":false,"X-Forwarded-Port":true,"X-Real-IP":true,)"
        R"("X-Forwarded-Clientcert-subjectdn-alias":"X-Client-DN","X-Forwarded-For-Processing-Mode":"remove"})");
}

TEST(ConvertFlagValues, InsertHeaderSyntaxErrors) {
    FlagValues values;
    values.insert_headers = {"X-Real-IP"};
    auto missing_value = convert_flag_values(Kind::Listener, values, nullptr);
    ASSERT_FALSE(missing_value);
    EXPECT_EQ(missing_value.error().message,
              "invalid --insert-header \"X-Real-IP\": use NAME=VALUE, such as X-Real-IP=true or "
              "X-Forwarded-Clientcert-subjectdn-alias=X-Client-DN");

    values.insert_headers = {"X-Real-IP=yes"};
    auto not_boolean = convert_flag_values(Kind::Listener, values, nullptr);
    ASSERT_FALSE(not_boolean);
    EXPECT_EQ(not_boolean.error().message,
              "invalid --insert-header \"X-Real-IP=yes\": X-Real-IP takes true or false");
}

TEST(ConvertFlagValues, PemFilesAreRead) {
    ::tollgate::test::TempDir temp_dir;
    const std::filesystem::path& dir = temp_dir.path();
    temp_dir.write("cert.pem", "-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n");

    FlagValues values;
    values.fields = {{"certificate", (dir / "cert.pem").string()}, {"type", "client"}};
    auto fields = convert_flag_values(Kind::Certificate, values, nullptr);
    ASSERT_TRUE(fields) << fields.error().message;
    EXPECT_EQ((*fields)["certificate"], "-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n");
    EXPECT_EQ((*fields)["type"], "client");

    values.fields = {{"private_key", (dir / "missing.key").string()}};
    auto missing = convert_flag_values(Kind::Certificate, values, nullptr);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message, "cannot read --private-key file " + (dir / "missing.key").string() +
                                           ": No such file or directory");
}

TEST(ConvertFlagValues, BinaryFilesGetAConversionHint) {
    ::tollgate::test::TempDir temp_dir;
    const std::filesystem::path& dir = temp_dir.path();
    temp_dir.write("cert.der", std::string("\x30\x82\x01\x0a\x02\x82", 6));
    temp_dir.write("bad.pem", "-----BEGIN CERTIFICATE-----\n\xff\n-----END CERTIFICATE-----\n");

    FlagValues values;
    values.fields = {{"certificate", (dir / "cert.der").string()}};
    auto der = convert_flag_values(Kind::Certificate, values, nullptr);
    ASSERT_FALSE(der);
    const std::string der_path = (dir / "cert.der").string();
    EXPECT_EQ(der.error().message,
              "--certificate file " + der_path +
                  " is not PEM text (no \"-----BEGIN\" line); a DER file converts with `openssl "
                  "x509 -inform DER -in " +
                  der_path + " -out " + der_path + ".pem`, a PKCS#12 bundle with `openssl pkcs12 -in " +
                  der_path + " -nodes -out " + der_path + ".pem`");

    values.fields = {{"certificate", (dir / "bad.pem").string()}};
    auto bad = convert_flag_values(Kind::Certificate, values, nullptr);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "--certificate file " + (dir / "bad.pem").string() +
                                       " contains bytes that are not UTF-8 text; give the PEM file itself");
}

TEST(ResolveReferences, NamesBecomeIdsAndEmptyClears) {
    FakeApi api;
    ApiClient client(api, "default");
    std::string pool = api.add("pools", {{"name", "app"}});
    std::string lb = api.add("loadbalancers", {{"name", "edge"}});
    NameResolver resolver(client);
    FlagValues values;
    values.fields = {
        {"default_pool_id", "app"}, {"loadbalancer_id", lb}, {"client_ca_tls_container_ref", ""}};
    Json fields = Json::object();
    auto resolved = resolve_references(Kind::Listener, values, resolver, fields);
    ASSERT_TRUE(resolved) << resolved.error().message;
    EXPECT_EQ(fields["default_pool_id"], pool);
    EXPECT_EQ(fields["loadbalancer_id"], lb);
    EXPECT_TRUE(fields["client_ca_tls_container_ref"].is_null());
}

TEST(NameResolver, UnknownName) {
    FakeApi api;
    ApiClient client(api, "default");
    NameResolver resolver(client);
    auto id = resolver.resolve(Kind::Listener, "web");
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error().kind, core::ErrorKind::NotFound);
    EXPECT_EQ(id.error().message,
              "no listener has the id or name \"web\"; `tollgate listener list` shows them");
}

TEST(NameResolver, SharedNameNeedsTheId) {
    FakeApi api;
    ApiClient client(api, "default");
    std::string first = api.add("listeners", {{"name", "web"}});
    std::string second = api.add("listeners", {{"name", "web"}});
    NameResolver resolver(client);
    auto id = resolver.resolve(Kind::Listener, "web");
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error().message,
              "2 listeners are named \"web\" (ids " + first + ", " + second + "); give the id");
    auto by_id = resolver.resolve(Kind::Listener, second);
    ASSERT_TRUE(by_id) << by_id.error().message;
    EXPECT_EQ(*by_id, second);
}

TEST(NameResolver, MemberByAddressAndPort) {
    FakeApi api;
    ApiClient client(api, "default");
    std::string member = api.add("pools/p1/members", {{"address", "::1"}, {"protocol_port", 9002}});
    NameResolver resolver(client);
    auto id = resolver.resolve(Kind::Member, "[::1]:9002", "p1");
    ASSERT_TRUE(id) << id.error().message;
    EXPECT_EQ(*id, member);
}

TEST(ResourceFields, UpdateCannotChangeFixedFields) {
    for (const FieldSpec& spec : resource_fields(Kind::Listener)) {
        bool fixed =
            spec.field == "protocol" || spec.field == "protocol_port" || spec.field == "loadbalancer_id";
        EXPECT_EQ(spec.updatable, !fixed) << spec.field;
    }
}

}  // namespace
}  // namespace tollgate::client
