#include "client/apply_plan.h"

#include "apply_test_support.h"

#include <gtest/gtest.h>

namespace tollgate::client {
namespace {

using test::ApplyTest;

std::string type_name(ActionType type) {
    switch (type) {
        case ActionType::Create:
            return "create";
        case ActionType::Update:
            return "update";
        case ActionType::Unchanged:
            return "unchanged";
        case ActionType::Delete:
            return "delete";
    }
    return "?";
}

std::vector<std::string> summary(const Plan& plan) {
    std::vector<std::string> lines;
    for (const Action& action : plan.actions) {
        std::string line = type_name(action.type) + " " + describe_action(action);
        for (const std::string& field : action.changed) {
            line += (field == action.changed.front() ? ": " : ", ") + field;
        }
        lines.push_back(line);
    }
    return lines;
}

// A stored state that matches test::kDocument, as the API returns it.
StoredState stored_document() {
    StoredState stored;
    stored.objects[Kind::Certificate] = {
        {{"id", "c1"}, {"name", "srv"}, {"type", "server"}, {"certificate", test::kServerPem}},
        {{"id", "c2"}, {"name", "ca"}, {"type", "client"}, {"certificate", test::kCaPem}},
    };
    stored.objects[Kind::LoadBalancer] = {{{"id", "lb-1"}, {"name", "edge"}, {"vip_address", "127.0.0.1"}}};
    stored.objects[Kind::Listener] = {
        Json::parse(R"({"id":"l-1","name":"web","protocol":"HTTPS","protocol_port":8443,
        "loadbalancers":[{"id":"lb-1"}],"default_tls_container_ref":"c1","client_ca_tls_container_ref":"c2",
        "default_pool_id":"p-1","client_timeout":30,"keepalive_timeout":60,
        "insert_headers":{"X-Forwarded-Host":true,"X-Real-IP":true}})")};
    stored.objects[Kind::Pool] = {Json::parse(R"({"id":"p-1","name":"app","lb_algorithm":"ROUND_ROBIN",
        "protocol":"HTTP","loadbalancers":[],"listeners":[{"id":"l-1"}]})")};
    stored.objects[Kind::HealthMonitor] = {Json::parse(R"({"id":"h-1","name":"hm","type":"HTTP","delay":5,
        "timeout":3,"max_retries":2,"expected_codes":"200","pools":[{"id":"p-1"}]})")};
    stored.members["p-1"] = {
        Json::parse(R"({"id":"m-1","name":"","address":"127.0.0.1","protocol_port":9001,"weight":1})"),
        Json::parse(R"({"id":"m-2","name":"backend-2","address":"0:0::1","protocol_port":9002,"weight":3})"),
    };
    return stored;
}

TEST_F(ApplyTest, EmptyStoreCreatesEverythingInOrder) {
    Plan plan = plan_apply(read(test::kDocument), {}, false);
    EXPECT_TRUE(plan.errors.empty());
    EXPECT_EQ(summary(plan), (std::vector<std::string>{
                                 "create certificate srv",
                                 "create certificate ca",
                                 "create loadbalancer edge",
                                 "create pool app",
                                 "create listener web",
                                 "create member 127.0.0.1:9001 in pool app",
                                 "create member [::1]:9002 in pool app",
                                 "create healthmonitor hm",
                             }));
    const Action& listener = plan.actions[4];
    EXPECT_EQ(listener.references.size(), 4u);
    EXPECT_EQ(listener.fields["protocol_port"], 8443);
}

TEST_F(ApplyTest, MatchingStoreIsUnchanged) {
    Plan plan = plan_apply(read(test::kDocument), stored_document(), true);
    EXPECT_TRUE(plan.errors.empty());
    EXPECT_EQ(summary(plan), (std::vector<std::string>{
                                 "unchanged certificate srv",
                                 "unchanged certificate ca",
                                 "unchanged loadbalancer edge",
                                 "unchanged pool app",
                                 "unchanged listener web",
                                 "unchanged member 127.0.0.1:9001 in pool app",
                                 "unchanged member [::1]:9002 in pool app",
                                 "unchanged healthmonitor hm",
                             }));
}

TEST_F(ApplyTest, ChangedFieldsAreUpdated) {
    StoredState stored = stored_document();
    stored.objects[Kind::Listener][0]["client_timeout"] = 60;
    stored.objects[Kind::Listener][0]["insert_headers"]["X-Real-IP"] = false;
    stored.objects[Kind::Listener][0]["default_pool_id"] = nullptr;
    stored.objects[Kind::Pool][0]["lb_algorithm"] = "SOURCE_IP";
    stored.members["p-1"][1]["weight"] = 1;
    Plan plan = plan_apply(read(test::kDocument), stored, false);
    EXPECT_TRUE(plan.errors.empty());
    EXPECT_EQ(summary(plan), (std::vector<std::string>{
                                 "unchanged certificate srv",
                                 "unchanged certificate ca",
                                 "unchanged loadbalancer edge",
                                 "update pool app: lb_algorithm",
                                 "update listener web: client_timeout, insert_headers, default_pool_id",
                                 "unchanged member 127.0.0.1:9001 in pool app",
                                 "update member [::1]:9002 in pool app: weight",
                                 "unchanged healthmonitor hm",
                             }));
    const Action& listener = plan.actions[4];
    EXPECT_EQ(listener.stored_id, "l-1");
    EXPECT_EQ(listener.fields.dump(),
              R"({"client_timeout":30,"insert_headers":{"X-Forwarded-Host":true,"X-Real-IP":true}})");
    EXPECT_EQ(listener.references.at("default_pool_id"), (Reference{Kind::Pool, "app"}));
    EXPECT_EQ(plan.actions[6].stored_pool_id, "p-1");
}

TEST_F(ApplyTest, CertificateTextIsNormalised) {
    StoredState stored = stored_document();
    std::string crlf = "\n\n-----BEGIN CERTIFICATE-----\r\nc2VydmVy\r\n-----END CERTIFICATE-----";
    stored.objects[Kind::Certificate][0]["certificate"] = crlf;
    Plan plan = plan_apply(read(test::kDocument), stored, false);
    EXPECT_EQ(plan.actions[0].type, ActionType::Unchanged);
}

TEST_F(ApplyTest, ChangedCertificateSendsItsKey) {
    StoredState stored = stored_document();
    stored.objects[Kind::Certificate][0]["certificate"] = test::kCaPem;
    Plan plan = plan_apply(read(test::kDocument), stored, false);
    ASSERT_EQ(plan.actions[0].type, ActionType::Update);
    EXPECT_EQ(plan.actions[0].changed, (std::vector<std::string>{"certificate", "private_key"}));
    EXPECT_EQ(plan.actions[0].fields["private_key"], test::kServerKeyPem);
}

TEST_F(ApplyTest, UnreturnedFieldIsNotCompared) {
    StoredState stored = stored_document();
    stored.objects[Kind::Listener][0].erase("client_timeout");
    Plan plan = plan_apply(read(test::kDocument), stored, false);
    EXPECT_EQ(plan.actions[4].type, ActionType::Unchanged);
}

TEST_F(ApplyTest, TerminatedHttpsMatchesHttps) {
    std::string document = test::kDocument;
    document.replace(document.find("protocol: HTTPS"), 15, "protocol: TERMINATED_HTTPS");
    Plan plan = plan_apply(read(document), stored_document(), false);
    EXPECT_TRUE(plan.errors.empty());
    EXPECT_EQ(plan.actions[4].type, ActionType::Unchanged);
}

TEST_F(ApplyTest, ImmutableFieldIsAnError) {
    StoredState stored = stored_document();
    stored.objects[Kind::Listener][0]["protocol_port"] = 443;
    stored.objects[Kind::Certificate][1]["type"] = "server";
    Plan plan = plan_apply(read(test::kDocument), stored, false);
    EXPECT_EQ(
        plan.errors,
        (std::vector<std::string>{
            "certificate ca: type differs between the file and the stored certificate (id c2), and the API "
            "cannot change it; delete the stored certificate with `tollgate certificate delete`, or give the "
            "file's certificate another name",
            "listener web: protocol_port differs between the file and the stored listener (id l-1), and the "
            "API cannot change it; delete the stored listener with `tollgate listener delete`, or give the "
            "file's listener another name",
        }));
}

TEST_F(ApplyTest, AmbiguousStoredNameIsAnError) {
    StoredState stored = stored_document();
    stored.objects[Kind::Pool].push_back({{"id", "p-2"}, {"name", "app"}});
    Plan plan = plan_apply(read(test::kDocument), stored, false);
    EXPECT_EQ(plan.errors,
              (std::vector<std::string>{
                  "2 stored pools are named \"app\" (ids p-1, p-2); apply matches by name, so rename or "
                  "delete all but one with `tollgate pool update` or `tollgate pool delete`"}));
    EXPECT_TRUE(plan.actions.empty());
}

TEST_F(ApplyTest, PruneDeletesInReverseOrder) {
    StoredState stored = stored_document();
    stored.objects[Kind::Certificate].push_back({{"id", "c3"}, {"name", "old-cert"}});
    stored.objects[Kind::LoadBalancer].push_back({{"id", "lb-2"}, {"name", ""}});
    stored.objects[Kind::Listener].push_back({{"id", "l-2"}, {"name", "old"}});
    stored.objects[Kind::Pool].push_back({{"id", "p-2"}, {"name", "old-pool"}});
    stored.objects[Kind::HealthMonitor].push_back({{"id", "h-2"}, {"name", "old-hm"}});
    stored.members["p-1"].push_back({{"id", "m-3"}, {"address", "10.0.0.9"}, {"protocol_port", 80}});
    stored.members["p-2"].push_back({{"id", "m-4"}, {"address", "10.0.0.8"}, {"protocol_port", 81}});

    Plan plan = plan_apply(read(test::kDocument), stored, true);
    std::vector<std::string> lines = summary(plan);
    std::vector<std::string> deletions(lines.begin() + 8, lines.end());
    EXPECT_EQ(deletions, (std::vector<std::string>{
                             "delete healthmonitor old-hm",
                             "delete member 10.0.0.9:80 in pool app",
                             "delete member 10.0.0.8:81 in pool old-pool",
                             "delete listener old",
                             "delete pool old-pool",
                             "delete loadbalancer lb-2",
                             "delete certificate old-cert",
                         }));
    EXPECT_EQ(plan.actions[10].stored_pool_id, "p-2");
    EXPECT_EQ(plan.actions[10].stored_id, "m-4");

    Plan without_prune = plan_apply(read(test::kDocument), stored, false);
    EXPECT_EQ(without_prune.actions.size(), 8u);
}

TEST_F(ApplyTest, NewPoolGetsNewMembers) {
    StoredState stored = stored_document();
    stored.objects[Kind::Pool][0]["name"] = "renamed";
    Plan plan = plan_apply(read(test::kDocument), stored, false);
    EXPECT_EQ(summary(plan)[3], "create pool app");
    EXPECT_EQ(summary(plan)[4], "update listener web: default_pool_id");
    EXPECT_EQ(summary(plan)[5], "create member 127.0.0.1:9001 in pool app");
    EXPECT_EQ(summary(plan)[7], "update healthmonitor hm: pool_id");
    ASSERT_EQ(plan.errors.size(), 1u);
    EXPECT_TRUE(plan.errors[0].starts_with("healthmonitor hm: pool_id differs")) << plan.errors[0];
}

TEST(NormalizePem, LineEndsAndSurroundingSpace) {
    EXPECT_EQ(normalize_pem("\r\n  -----BEGIN X-----\r\nAA\r\n-----END X-----\r\n\n"),
              "-----BEGIN X-----\nAA\n-----END X-----");
    EXPECT_EQ(normalize_pem(" \n "), "");
}

}  // namespace
}  // namespace tollgate::client
