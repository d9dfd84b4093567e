#include "client/table.h"

#include <gtest/gtest.h>

namespace tollgate::client {
namespace {

TEST(FormatTable, AlignsColumnsWithoutTrailingSpaces) {
    std::string text = format_table({{"ID", "NAME", "PORT"}, {"1", "web", "443"}, {"22", "-", "8080"}});
    EXPECT_EQ(text,
              "ID  NAME  PORT\n"
              "1   web   443\n"
              "22  -     8080\n");
}

TEST(FormatTable, CountsUtf8Characters) {
    std::string text = format_table({{"NAME", "X"}, {"g\xc3\xa4rten", "1"}});
    EXPECT_EQ(text,
              "NAME    X\n"
              "g\xc3\xa4rten  1\n");
}

TEST(FormatCell, Values) {
    EXPECT_EQ(format_cell(nullptr), "-");
    EXPECT_EQ(format_cell(""), "-");
    EXPECT_EQ(format_cell(true), "true");
    EXPECT_EQ(format_cell(443), "443");
    EXPECT_EQ(format_cell(Json::array()), "-");
    EXPECT_EQ(format_cell(Json::parse(R"([{"id":"a"},{"id":"b"}])")), "a,b");
    EXPECT_EQ(format_cell(Json::parse(R"(["x","y"])")), R"(["x","y"])");
    EXPECT_EQ(format_cell(Json::parse(R"({"type":"SOURCE_IP"})")), R"({"type":"SOURCE_IP"})");
}

TEST(FormatCell, ReplacesControlCharacters) {
    EXPECT_EQ(format_cell("a\x1b[2Jb\n"), "a?[2Jb?");
}

TEST(FormatList, ListenerColumnsFollowApiArrays) {
    Json listener = Json::parse(R"({"id":"l1","name":"web","protocol":"HTTPS","protocol_port":443,
        "loadbalancers":[{"id":"lb1"}],"default_pool_id":null,"client_authentication":"mandatory"})");
    EXPECT_EQ(format_list(Kind::Listener, {listener}),
              "ID  NAME  PROTOCOL  PROTOCOL_PORT  LOADBALANCER  DEFAULT_POOL  CLIENT_AUTHENTICATION\n"
              "l1  web   HTTPS     443            lb1           -             mandatory\n");
}

TEST(FormatList, EmptyListPrintsTheHeader) {
    EXPECT_EQ(format_list(Kind::LoadBalancer, {}), "ID  NAME  VIP_ADDRESS  LISTENERS  PROVISIONING_STATUS\n");
}

TEST(FormatList, PoolCountsMembers) {
    Json pool = Json::parse(R"({"id":"p1","name":"app","protocol":"HTTP","lb_algorithm":"ROUND_ROBIN",
        "members":[{"id":"m1"},{"id":"m2"}],"healthmonitor_id":""})");
    EXPECT_EQ(format_list(Kind::Pool, {pool}),
              "ID  NAME  PROTOCOL  LB_ALGORITHM  MEMBERS  HEALTHMONITOR\n"
              "p1  app   HTTP      ROUND_ROBIN   2        -\n");
}

TEST(FormatList, MemberShowsHealthAndReason) {
    Json online = Json::parse(R"({"id":"m1","name":"","address":"127.0.0.1","protocol_port":8080,"weight":1,
        "operating_status":"ONLINE","reason":null})");
    Json offline = Json::parse(R"({"id":"m2","name":"b","address":"::1","protocol_port":8081,"weight":2,
        "operating_status":"OFFLINE","reason":{"reason_code":"CONNECT_REFUSED","expected_response":null,
        "healthcheck_response":null}})");
    EXPECT_EQ(format_list(Kind::Member, {online, offline}),
              "ID  NAME  ADDRESS    PROTOCOL_PORT  WEIGHT  OPERATING_STATUS  REASON\n"
              "m1  -     127.0.0.1  8080           1       ONLINE            -\n"
              "m2  b     ::1        8081           2       OFFLINE           CONNECT_REFUSED\n");
}

TEST(FormatObject, FlattensObjectsAndSummarisesPem) {
    Json certificate = Json::parse(
        R"({"id":"c1","certificate":"-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n",
        "insert_headers":{"X-Real-IP":true},"listeners":[{"id":"l1"}]})");
    EXPECT_EQ(format_object(certificate),
              "FIELD                     VALUE\n"
              "id                        c1\n"
              "certificate               PEM, 1 block (-o json prints the text)\n"
              "insert_headers.X-Real-IP  true\n"
              "listeners                 l1\n");
}

}  // namespace
}  // namespace tollgate::client
