#pragma once

// Helpers for the API contract tests of load balancers, listeners, pools and members. They send
// requests with any token and project and create each resource. A snapshot of everything
// stored shows that a rejected change left the store and the data plane alone.

#include "control/resource_kind.h"
#include "control_test_support.h"
#include "tls/test_pki.h"

#include <initializer_list>
#include <string>
#include <vector>

namespace tollgate::control::test {

inline constexpr const char* kOtherProject = "p2";

class ContractTest : public ControlTest {
protected:
    // Everything a rejected change must leave as it was.
    struct State {
        nlohmann::json resources;  // the lists of every collection in both projects
        std::size_t published = 0;
    };

    State state() {
        nlohmann::json resources = nlohmann::json::object();
        for (const char* project : {kProject, kOtherProject}) {
            for (const char* collection : {"loadbalancers", "listeners", "pools", "members"}) {
                Reply list = call("GET", project_path(project, std::string("/") + collection));
                EXPECT_EQ(list.status, 200) << list.body.dump();
                resources[project][collection] = list.body[collection];
            }
        }
        return {resources, data_plane_.published.size()};
    }

    // Checks that the store contains what it contained at `before` and nothing was published since.
    void expect_unchanged(const State& before) {
        State now = state();
        EXPECT_EQ(now.resources, before.resources);
        EXPECT_EQ(now.published, before.published);
    }

    std::string create_loadbalancer(const nlohmann::json& fields = {{"vip_address", "127.0.0.1"}}) {
        return create("/loadbalancers", "loadbalancer", fields);
    }

    std::string create_listener(const std::string& loadbalancer, int port,
                                nlohmann::json fields = nlohmann::json::object()) {
        fields["loadbalancer_id"] = loadbalancer;
        fields["protocol_port"] = port;
        if (!fields.contains("protocol")) {
            fields["protocol"] = "HTTP";
        }
        return create("/listeners", "listener", fields);
    }

    std::string create_pool(nlohmann::json fields = nlohmann::json::object()) {
        fields["lb_algorithm"] = "ROUND_ROBIN";
        fields["protocol"] = "HTTP";
        return create("/pools", "pool", fields);
    }

    std::string create_member(const std::string& pool, const std::string& address, int port) {
        return create("/pools/" + pool + "/members", "member",
                      {{"address", address}, {"protocol_port", port}});
    }

    // Stores a server certificate with its key directly, as the certificate API would, and
    // returns its id.
    std::string insert_server_certificate() {
        tls::test::Issued issued = tls::test::issue({.common_name = "www.example.com",
                                                     .alt_names = {"DNS:www.example.com"},
                                                     .extended_key_usage = "serverAuth"});
        const std::string id = "0123456789abcdef0123456789abcdef";
        auto transaction = store_->begin();
        EXPECT_TRUE(transaction) << transaction.error().message;
        nlohmann::json body{{"type", "server"},
                            {"certificate", tls::test::certificate_pem(issued.certificate.get())}};
        store::Document document{
            .kind = "certificate", .project_id = kProject, .id = id, .body = body.dump()};
        auto inserted = transaction->insert(document, {});
        EXPECT_TRUE(inserted) << inserted.error().message;
        auto key = transaction->put_secret("certificate", kProject, id, "private_key",
                                           tls::test::pkcs8_pem(issued.key.get()));
        EXPECT_TRUE(key) << key.error().message;
        auto committed = transaction->commit();
        EXPECT_TRUE(committed) << committed.error().message;
        return id;
    }

    // Reads the resource at `resource_path`, drops the fields of `kind` that are read-only and
    // sends the rest back in a PUT. Returns the reply to the PUT.
    Reply put_response_back(const ResourceKind& kind, const std::string& resource_path) {
        const std::string key(kind.kind);
        Reply shown = call("GET", resource_path);
        EXPECT_EQ(shown.status, 200) << shown.body.dump();
        nlohmann::json object = shown.body[key];
        for (const auto& field : kind.read_only) {
            object.erase(std::string(field));
        }
        return call("PUT", resource_path, {{key, object}});
    }

    // Returns the fields of `object` that are missing from `expected`.
    static std::vector<std::string> missing_fields(const nlohmann::json& object,
                                                   std::initializer_list<const char*> expected) {
        std::vector<std::string> missing;
        for (const char* field : expected) {
            if (!object.contains(field)) {
                missing.push_back(field);
            }
        }
        return missing;
    }
};

}  // namespace tollgate::control::test
