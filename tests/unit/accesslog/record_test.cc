#include "accesslog/record.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::accesslog {
namespace {

AccessRecord mtls_record() {
    AccessRecord record;
    record.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1796443445678));
    record.listener_id = "l1";
    record.loadbalancer_id = "lb1";
    record.client_address = "127.0.0.1";
    record.client_port = 50123;
    record.tls_version = "TLSv1.3";
    record.cipher = "TLS_AES_256_GCM_SHA384";
    record.sni = "localhost";
    record.client_subject = "CN=alice,O=Example";
    record.client_serial = "1F";
    record.client_verify = "SUCCESS";
    record.method = "GET";
    record.host = "localhost:8443";
    record.path = "/hello?x=1";
    record.user_agent = "curl/7.88.1";
    record.status = 200;
    record.bytes_received = 80;
    record.bytes_sent = 365;
    record.member_id = "m1";
    record.member_address = "127.0.0.1:8080";
    record.upstream_time = std::chrono::microseconds(1500);
    record.total_time = std::chrono::microseconds(2250);
    record.request_id = "abc";
    return record;
}

TEST(AccessRecord, JsonHasEveryField) {
    std::string line = format_line(mtls_record(), Format::Json);
    ASSERT_EQ(line.back(), '\n');
    nlohmann::json parsed = nlohmann::json::parse(line);

    EXPECT_EQ(parsed["time"], "2026-12-05T04:04:05.678Z");
    EXPECT_EQ(parsed["listener_id"], "l1");
    EXPECT_EQ(parsed["loadbalancer_id"], "lb1");
    EXPECT_EQ(parsed["client_address"], "127.0.0.1");
    EXPECT_EQ(parsed["client_port"], 50123);
    EXPECT_EQ(parsed["tls_version"], "TLSv1.3");
    EXPECT_EQ(parsed["tls_cipher"], "TLS_AES_256_GCM_SHA384");
    EXPECT_EQ(parsed["sni"], "localhost");
    EXPECT_EQ(parsed["client_cert_subject"], "CN=alice,O=Example");
    EXPECT_EQ(parsed["client_cert_serial"], "1F");
    EXPECT_EQ(parsed["client_cert_verify"], "SUCCESS");
    EXPECT_EQ(parsed["method"], "GET");
    EXPECT_EQ(parsed["host"], "localhost:8443");
    EXPECT_EQ(parsed["path"], "/hello?x=1");
    EXPECT_EQ(parsed["http_version"], "HTTP/1.1");
    EXPECT_EQ(parsed["user_agent"], "curl/7.88.1");
    EXPECT_EQ(parsed["status"], 200);
    EXPECT_EQ(parsed["bytes_received"], 80);
    EXPECT_EQ(parsed["bytes_sent"], 365);
    EXPECT_EQ(parsed["member_id"], "m1");
    EXPECT_EQ(parsed["member_address"], "127.0.0.1:8080");
    EXPECT_DOUBLE_EQ(parsed["upstream_time"].get<double>(), 0.0015);
    EXPECT_DOUBLE_EQ(parsed["total_time"].get<double>(), 0.00225);
    EXPECT_EQ(parsed["request_id"], "abc");
}

TEST(AccessRecord, JsonUpstreamTimeNullWithoutMember) {
    AccessRecord record = mtls_record();
    record.upstream_time = std::chrono::microseconds(-1);
    nlohmann::json parsed = nlohmann::json::parse(format_line(record, Format::Json));
    EXPECT_TRUE(parsed["upstream_time"].is_null());
}

TEST(AccessRecord, JsonReplacesInvalidUtf8) {
    AccessRecord record = mtls_record();
    record.path = "/a\xff";
    nlohmann::json parsed = nlohmann::json::parse(format_line(record, Format::Json));
    EXPECT_EQ(parsed["path"], "/a\xEF\xBF\xBD");
}

TEST(AccessRecord, CombinedFormat) {
    AccessRecord record = mtls_record();
    record.user_agent = "curl \"quoted\"";
    EXPECT_EQ(format_line(record, Format::Combined),
              "127.0.0.1 - - [05/Dec/2026:04:04:05 +0000] \"GET /hello?x=1 HTTP/1.1\" 200 365 \"-\" "
              "\"curl \\\"quoted\\\"\" request_id=abc member=127.0.0.1:8080 upstream_time=0.001500 "
              "total_time=0.002250 client_cert=\"CN=alice,O=Example\"\n");
}

TEST(AccessRecord, CombinedEscapesControlBytes) {
    AccessRecord record = mtls_record();
    record.path = "/a\nb";
    std::string line = format_line(record, Format::Combined);
    EXPECT_NE(line.find("\"GET /a\\x0ab HTTP/1.1\""), std::string::npos) << line;
}

}  // namespace
}  // namespace tollgate::accesslog
