#include "contract_test_support.h"

namespace tollgate::control::test {
namespace {

using nlohmann::json;

class ListenerContractTest : public ContractTest {
protected:
    void SetUp() override {
        ContractTest::SetUp();
        lb_ = create_loadbalancer();
    }

    std::string lb_;
};

TEST_F(ListenerContractTest, CreateFillsDefaults) {
    Reply reply =
        call("POST", path("/listeners"),
             {{"listener",
               {{"name", "web"}, {"loadbalancer_id", lb_}, {"protocol", "HTTP"}, {"protocol_port", 8080}}}});

    ASSERT_EQ(reply.status, 201) << reply.body.dump();
    const json& listener = reply.body["listener"];
    EXPECT_EQ(missing_fields(listener, {"id",
                                        "project_id",
                                        "name",
                                        "description",
                                        "protocol",
                                        "protocol_port",
                                        "loadbalancers",
                                        "default_pool_id",
                                        "default_tls_container_ref",
                                        "client_ca_tls_container_ref",
                                        "sni_container_refs",
                                        "tls_ciphers_policy",
                                        "security_policy_id",
                                        "http2_enable",
                                        "enable_member_retry",
                                        "keepalive_timeout",
                                        "client_timeout",
                                        "member_timeout",
                                        "insert_headers",
                                        "ipgroup",
                                        "transparent_client_ip_enable",
                                        "proxy_protocol_enable",
                                        "enhance_l7policy_enable",
                                        "tags",
                                        "gzip_enable",
                                        "ssl_early_data_enable",
                                        "cps",
                                        "connection",
                                        "admin_state_up",
                                        "connection_limit",
                                        "protection_status",
                                        "protection_reason",
                                        "enterprise_project_id",
                                        "provisioning_status",
                                        "operating_status",
                                        "created_at",
                                        "updated_at"}),
              std::vector<std::string>{});
    EXPECT_EQ(listener["name"], "web");
    EXPECT_EQ(listener["protocol"], "HTTP");
    EXPECT_EQ(listener["protocol_port"], 8080);
    EXPECT_EQ(listener["loadbalancers"], json::array({{{"id", lb_}}}));
    EXPECT_EQ(listener["default_pool_id"], nullptr);
    EXPECT_EQ(listener["default_tls_container_ref"], nullptr);
    EXPECT_EQ(listener["client_ca_tls_container_ref"], nullptr);
    EXPECT_EQ(listener["sni_container_refs"], json::array());
    EXPECT_EQ(listener["tls_ciphers_policy"], nullptr);
    EXPECT_EQ(listener["client_verify_depth"], nullptr);
    EXPECT_EQ(listener["client_authentication"], "none");
    EXPECT_EQ(listener["http2_enable"], false);
    EXPECT_EQ(listener["enable_member_retry"], true);
    EXPECT_EQ(listener["keepalive_timeout"], 60);
    EXPECT_EQ(listener["client_timeout"], 60);
    EXPECT_EQ(listener["member_timeout"], 60);
    EXPECT_EQ(listener["insert_headers"], json({{"X-Forwarded-Host", true}}));
    EXPECT_EQ(listener["connection_limit"], -1);
    EXPECT_EQ(listener["admin_state_up"], true);
    EXPECT_EQ(listener["provisioning_status"], "ACTIVE");
    EXPECT_EQ(listener["operating_status"], "ONLINE");
    ASSERT_EQ(data_plane_.published.size(), 2u);
    ASSERT_EQ(data_plane_.published.back().listeners.size(), 1u);
    EXPECT_EQ(data_plane_.published.back().listeners[0].protocol_port, 8080);
}

TEST_F(ListenerContractTest, TerminatedHttpsIsStoredAsHttps) {
    const std::string certificate = insert_server_certificate();

    Reply reply = call("POST", path("/listeners"),
                       {{"listener",
                         {{"loadbalancer_id", lb_},
                          {"protocol", "TERMINATED_HTTPS"},
                          {"protocol_port", 8443},
                          {"default_tls_container_ref", certificate}}}});

    ASSERT_EQ(reply.status, 201) << reply.body.dump();
    const json& listener = reply.body["listener"];
    EXPECT_EQ(listener["protocol"], "HTTPS");
    EXPECT_EQ(listener["tls_ciphers_policy"], "tls-1-2-fs-with-1-3");
    EXPECT_EQ(listener["client_verify_depth"], 4);
    const std::string id = listener["id"];
    EXPECT_EQ(ids_of(call("GET", path("/listeners?protocol=HTTPS")).body["listeners"]),
              std::vector<std::string>{id});
    EXPECT_EQ(data_plane_.published.back().listeners[0].protocol, model::Protocol::Https);

    Reply same = call("PUT", path("/listeners/" + id), {{"listener", {{"protocol", "TERMINATED_HTTPS"}}}});
    EXPECT_EQ(same.status, 200) << same.body.dump();
}

TEST_F(ListenerContractTest, UpdateChangesMutableFields) {
    const std::string id = create_listener(lb_, 8080);

    Reply updated =
        call("PUT", path("/listeners/" + id),
             {{"listener", {{"name", "web-2"}, {"keepalive_timeout", 120}, {"member_timeout", 30}}}});

    ASSERT_EQ(updated.status, 200) << updated.body.dump();
    EXPECT_EQ(updated.body["listener"]["name"], "web-2");
    EXPECT_EQ(updated.body["listener"]["keepalive_timeout"], 120);
    EXPECT_EQ(updated.body["listener"]["member_timeout"], 30);
    EXPECT_EQ(data_plane_.published.back().listeners[0].keepalive_timeout, std::chrono::seconds(120));
    EXPECT_EQ(data_plane_.published.back().listeners[0].name, "web-2");
}

TEST_F(ListenerContractTest, ImmutableFieldsAreRejected) {
    const std::string id = create_listener(lb_, 8080);
    const std::string other_lb = create_loadbalancer({{"vip_address", "127.0.0.2"}});
    struct Case {
        json object;
        std::string message;
    };
    const std::vector<Case> cases{
        {{{"protocol_port", 8081}},
         "listener.protocol_port cannot be changed after creation (sent 8081). Create a new listener "
         "instead."},
        {{{"protocol", "HTTPS"}},
         "listener.protocol cannot be changed after creation (sent \"HTTPS\"). Create a new listener "
         "instead."},
        {{{"loadbalancer_id", other_lb}},
         "listener.loadbalancer_id cannot be changed after creation (sent \"" + other_lb +
             "\"). Create a new listener instead."},
        {{{"protocol", nullptr}},
         "listener.protocol cannot be changed after creation (sent null). Create a new listener instead."},
    };
    for (const auto& test : cases) {
        const State before = state();
        Reply reply = call("PUT", path("/listeners/" + id), {{"listener", test.object}});
        EXPECT_EQ(reply.status, 400) << test.object.dump();
        EXPECT_EQ(reply.message(), test.message);
        expect_unchanged(before);
    }
}

TEST_F(ListenerContractTest, SameImmutableValuesAreAccepted) {
    const std::string id = create_listener(lb_, 8080);

    Reply reply =
        call("PUT", path("/listeners/" + id),
             {{"listener",
               {{"loadbalancer_id", lb_}, {"protocol", "HTTP"}, {"protocol_port", 8080}, {"name", "x"}}}});

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    EXPECT_EQ(reply.body["listener"]["name"], "x");
}

TEST_F(ListenerContractTest, ResponseSentBackIsAccepted) {
    const std::string pool = create_pool({{"loadbalancer_id", lb_}});
    const std::string id = create_listener(lb_, 8080, {{"default_pool_id", pool}});

    Reply updated = put_response_back(listener_kind(), path("/listeners/" + id));

    EXPECT_EQ(updated.status, 200) << updated.body.dump();
}

TEST_F(ListenerContractTest, NullClearsDefaultPool) {
    const std::string pool = create_pool({{"loadbalancer_id", lb_}});
    const std::string id = create_listener(lb_, 8080, {{"default_pool_id", pool}});
    ASSERT_EQ(data_plane_.published.back().listeners[0].default_pool_id, pool);

    Reply cleared = call("PUT", path("/listeners/" + id), {{"listener", {{"default_pool_id", nullptr}}}});

    ASSERT_EQ(cleared.status, 200) << cleared.body.dump();
    EXPECT_EQ(cleared.body["listener"]["default_pool_id"], nullptr);
    EXPECT_EQ(data_plane_.published.back().listeners[0].default_pool_id, "");
    EXPECT_EQ(call("GET", path("/pools/" + pool)).body["pool"]["listeners"], json::array());
    EXPECT_EQ(call("DELETE", path("/pools/" + pool)).status, 204);
}

TEST_F(ListenerContractTest, InvalidFieldsNameTheField) {
    struct Case {
        json object;
        std::string message;
    };
    const std::vector<Case> cases{
        {{{"protocol_port", "8080"}},
         "listener.protocol_port: invalid value \"8080\": use a whole number without quotes"},
        {{{"protocol_port", 80.5}},
         "listener.protocol_port: invalid value 80.5: use a whole number without quotes"},
        {{{"http2_enable", "false"}},
         "listener.http2_enable: invalid value \"false\": use true or false without quotes"},
        {{{"insert_headers", json::array()}}, "listener.insert_headers: invalid value []: use a JSON object"},
        {{{"protocol_port", 0}},
         "listener.protocol_port: invalid value \"0\": use a whole number from 1 to 65535"},
        {{{"protocol_port", 65536}},
         "listener.protocol_port: invalid value \"65536\": use a whole number from 1 to 65535"},
        {{{"keepalive_timeout", 4001}},
         "listener.keepalive_timeout: invalid value \"4001\": use a whole number from 0 to 4000"},
        {{{"client_timeout", 0}},
         "listener.client_timeout: invalid value \"0\": use a whole number from 1 to 300"},
        {{{"protocol", "SMTP"}}, "listener.protocol: invalid value \"SMTP\": use HTTP or HTTPS"},
        {{{"protocl", "HTTP"}}, "listener.protocl: unknown field: did you mean \"protocol\"?"},
        {{{"admin_state_up", false}},
         "listener.admin_state_up: invalid value false: use true, because a listener cannot be disabled; "
         "delete it "
         "instead"},
        {{{"default_pool_id", 5}}, "listener.default_pool_id: invalid value 5: use the id of a pool"},
        {{{"loadbalancers", json::array()}},
         "listener.loadbalancers is set by the server and cannot be sent. Remove it from the request."},
        {{{"id", "x"}}, "listener.id is set by the server and cannot be sent. Remove it from the request."},
    };
    for (const auto& test : cases) {
        json object{{"loadbalancer_id", lb_}, {"protocol", "HTTP"}, {"protocol_port", 8080}};
        object.update(test.object);
        if (test.object.contains("protocl")) {
            object.erase("protocol");
        }
        const State before = state();
        Reply reply = call("POST", path("/listeners"), {{"listener", object}});
        EXPECT_EQ(reply.status, 400) << object.dump();
        EXPECT_EQ(reply.body["error_code"], "ELB.8902") << object.dump();
        EXPECT_EQ(reply.message(), test.message);
        expect_unchanged(before);
    }
}

TEST_F(ListenerContractTest, MissingRequiredFieldIsNamed) {
    const State before = state();

    Reply reply =
        call("POST", path("/listeners"), {{"listener", {{"loadbalancer_id", lb_}, {"protocol", "HTTP"}}}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.message(),
              "listener.protocol_port: missing required field: add a whole number from 1 to 65535");
    expect_unchanged(before);
}

TEST_F(ListenerContractTest, UnknownReferencesAreNotFound) {
    const std::string missing = "00000000-0000-4000-8000-000000000000";
    const State before = state();

    Reply loadbalancer =
        call("POST", path("/listeners"),
             {{"listener", {{"loadbalancer_id", missing}, {"protocol", "HTTP"}, {"protocol_port", 8080}}}});
    Reply pool = call("POST", path("/listeners"),
                      {{"listener",
                        {{"loadbalancer_id", lb_},
                         {"protocol", "HTTP"},
                         {"protocol_port", 8080},
                         {"default_pool_id", missing}}}});

    EXPECT_EQ(loadbalancer.status, 404);
    EXPECT_EQ(loadbalancer.body["error_code"], "ELB.8904");
    EXPECT_EQ(loadbalancer.message(),
              "listener.loadbalancer_id: load balancer " + missing + " could not be found in project p1");
    EXPECT_EQ(pool.status, 404);
    EXPECT_EQ(pool.message(),
              "listener.default_pool_id: pool " + missing + " could not be found in project p1");
    expect_unchanged(before);

    const std::string id = create_listener(lb_, 8080);
    Reply update = call("PUT", path("/listeners/" + id), {{"listener", {{"default_pool_id", missing}}}});
    EXPECT_EQ(update.status, 404);
    EXPECT_EQ(update.message(),
              "listener.default_pool_id: pool " + missing + " could not be found in project p1");
}

TEST_F(ListenerContractTest, PortClashOnSameLoadBalancerConflicts) {
    const std::string first = create_listener(lb_, 8080);
    const State before = state();

    Reply reply =
        call("POST", path("/listeners"),
             {{"listener", {{"loadbalancer_id", lb_}, {"protocol", "HTTP"}, {"protocol_port", 8080}}}});

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.body["error_code"], "ELB.8907");
    EXPECT_EQ(reply.message(), "listener.protocol_port: port already used by listeners[" + first +
                                   "] of the same load balancer \"8080\": use another protocol_port");
    expect_unchanged(before);
}

TEST_F(ListenerContractTest, PortClashAcrossLoadBalancersConflicts) {
    const std::string first = create_listener(lb_, 8080);
    const std::string twin = create_loadbalancer({{"vip_address", "127.0.0.1"}});
    const State before = state();

    Reply reply =
        call("POST", path("/listeners"),
             {{"listener", {{"loadbalancer_id", twin}, {"protocol", "HTTP"}, {"protocol_port", 8080}}}});

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.body["error_code"], "ELB.8907");
    EXPECT_EQ(reply.message(),
              "listener.protocol_port: clashes with listeners[" + first +
                  "] at 127.0.0.1:8080 \"127.0.0.1:8080\": use another protocol_port, or vip_address "
                  "values that do not overlap");
    expect_unchanged(before);
}

TEST_F(ListenerContractTest, SamePortOnOtherAddressIsAccepted) {
    create_listener(lb_, 8080);
    const std::string other = create_loadbalancer({{"vip_address", "127.0.0.2"}});

    EXPECT_FALSE(create_listener(other, 8080).empty());
    EXPECT_EQ(data_plane_.published.back().listeners.size(), 2u);
}

TEST_F(ListenerContractTest, DataPlaneFailureKeepsTheStore) {
    const State before = state();
    data_plane_.fail_next = core::Error{core::ErrorKind::InvalidInput, core::Side::Internal,
                                        "listeners[x].default_tls_container_ref: bad key", false};

    Reply reply =
        call("POST", path("/listeners"),
             {{"listener", {{"loadbalancer_id", lb_}, {"protocol", "HTTP"}, {"protocol_port", 8080}}}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.message(), "listeners[x].default_tls_container_ref: bad key");
    expect_unchanged(before);
}

TEST_F(ListenerContractTest, UnsupportedPathsAreRejected) {
    const std::string id = create_listener(lb_, 8080);

    Reply force = call("DELETE", path("/listeners/" + id + "/force"));
    Reply cascade = call("DELETE", path("/loadbalancers/" + lb_ + "/force-elb"));
    Reply batch = call("POST", path("/listeners/batch-delete"), {{"listeners", json::array()}});

    EXPECT_EQ(force.status, 404);
    EXPECT_EQ(cascade.status, 404);
    EXPECT_EQ(batch.status, 405);
    EXPECT_EQ(call("GET", path("/listeners/" + id)).status, 200);
}

TEST_F(ListenerContractTest, DeleteThenNotFound) {
    const std::string id = create_listener(lb_, 8080);

    Reply deleted = call("DELETE", path("/listeners/" + id));

    EXPECT_EQ(deleted.status, 204);
    Reply shown = call("GET", path("/listeners/" + id));
    EXPECT_EQ(shown.status, 404);
    EXPECT_EQ(shown.message(), "listener " + id + " could not be found");
    EXPECT_EQ(data_plane_.published.back().listeners.size(), 0u);
}

TEST_F(ListenerContractTest, OtherProjectCannotSeeOrReference) {
    const std::string id = create_listener(lb_, 8080);
    const std::string pool = create_pool({{"loadbalancer_id", lb_}});
    Reply other_lb_reply = call("POST", project_path(kOtherProject, "/loadbalancers"),
                                {{"loadbalancer", {{"vip_address", "127.0.0.3"}}}});
    ASSERT_EQ(other_lb_reply.status, 201);
    const std::string p2_lb = other_lb_reply.body["loadbalancer"]["id"];
    const State before = state();

    Reply shown = call("GET", project_path(kOtherProject, "/listeners/" + id));
    Reply listed = call("GET", project_path(kOtherProject, "/listeners"));
    Reply referenced = call("POST", project_path(kOtherProject, "/listeners"),
                            {{"listener",
                              {{"loadbalancer_id", p2_lb},
                               {"protocol", "HTTP"},
                               {"protocol_port", 8080},
                               {"default_pool_id", pool}}}});

    EXPECT_EQ(shown.status, 404);
    EXPECT_EQ(shown.message(), "listener " + id + " could not be found");
    EXPECT_EQ(listed.body["listeners"], json::array());
    EXPECT_EQ(referenced.status, 404);
    EXPECT_EQ(referenced.message(),
              "listener.default_pool_id: pool " + pool + " could not be found in project p2");
    expect_unchanged(before);
}

TEST_F(ListenerContractTest, RemovingClientCaLeavesMutualAuthenticationOn) {
    const std::string lb = create_loadbalancer();
    const std::string server = insert_server_certificate();
    tls::test::Issued ca = tls::test::issue({.common_name = "clients", .ca = true});
    const std::string client_ca =
        create("/certificates", "certificate",
               {{"type", "client"}, {"certificate", tls::test::certificate_pem(ca.certificate.get())}});
    const std::string id = create("/listeners", "listener",
                                  {{"loadbalancer_id", lb},
                                   {"protocol", "HTTPS"},
                                   {"protocol_port", 8443},
                                   {"default_tls_container_ref", server},
                                   {"client_ca_tls_container_ref", client_ca}});

    Reply removed =
        call("PUT", path("/listeners/" + id), {{"listener", {{"client_ca_tls_container_ref", nullptr}}}});

    EXPECT_EQ(removed.status, 400);
    EXPECT_EQ(
        removed.message(),
        "listener.client_authentication: invalid without client_ca_tls_container_ref \"mandatory\": set "
        "client_ca_tls_container_ref to a client certificate or use none");
    Reply turned_off =
        call("PUT", path("/listeners/" + id),
             {{"listener", {{"client_ca_tls_container_ref", nullptr}, {"client_authentication", "none"}}}});
    EXPECT_EQ(turned_off.status, 200) << turned_off.body.dump();
    EXPECT_EQ(turned_off.body["listener"]["client_authentication"], "none");
}

}  // namespace
}  // namespace tollgate::control::test
