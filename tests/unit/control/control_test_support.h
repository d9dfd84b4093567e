#pragma once

// A control plane over a real store in a temporary directory, with a data plane that records
// what it is asked to run, driven through the API server's respond() without a socket.

#include "api/auth.h"
#include "api/server.h"
#include "control/control_plane.h"
#include "store/store.h"
#include "temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::control::test {

inline constexpr const char* kProject = "p1";

// Records every configuration it prepares and publishes. fail_next makes the next prepare()
// fail with that error.
class RecordingDataPlane : public DataPlane {
public:
    struct Prepared : PreparedChange {
        explicit Prepared(model::Config config) : config(std::move(config)) {}
        model::Config config;
    };

    core::Result<std::unique_ptr<PreparedChange>> prepare(const model::Config& config) override {
        ++prepared;
        if (fail_next) {
            core::Error error = *fail_next;
            fail_next.reset();
            return error;
        }
        return std::unique_ptr<PreparedChange>(std::make_unique<Prepared>(config));
    }

    void publish(std::unique_ptr<PreparedChange> change) override {
        published.push_back(static_cast<Prepared&>(*change).config);
    }

    // Returns the entry of `health` for "<pool_id> <address> <port>", else NO_MONITOR.
    MemberHealth member_health(const std::string& pool_id, const std::string& address,
                               std::uint16_t port) const override {
        auto found = health.find(pool_id + " " + address + " " + std::to_string(port));
        return found == health.end() ? MemberHealth{} : found->second;
    }

    int prepared = 0;
    std::vector<model::Config> published;
    std::optional<core::Error> fail_next;
    std::map<std::string, MemberHealth> health;
};

struct Reply {
    int status = 0;
    nlohmann::json body;  // null for an empty body

    // The error message of an ELB error body, for assertions.
    std::string message() const { return body.value("error_msg", ""); }
};

class ControlTest : public ::testing::Test {
protected:
    void SetUp() override { open(); }

    // Opens (or reopens) the store and builds the control plane and API server over it.
    void open() {
        server_.reset();
        plane_.reset();
        store_.reset();
        auto store = store::Store::open(dir_ / "data");
        ASSERT_TRUE(store) << store.error().message;
        store_ = std::move(*store);
        plane_ = std::make_unique<ControlPlane>(*store_, data_plane_);
        api::Router router;
        plane_->add_routes(router);
        auto token = api::AdminToken::load_or_create(dir_ / "data");
        ASSERT_TRUE(token) << token.error().message;
        std::ifstream file(dir_ / "data" / "admin-token");
        std::getline(file, token_);
        server_ =
            std::make_unique<api::Server>(io_, api::ServerOptions{}, std::move(router), std::move(*token));
    }

    // Sends a request with the admin token.
    Reply call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr) {
        return call_with_token(method, path, token_, body);
    }

    // Sends a request with `token` in X-Auth-Token, or without the header when it is nullopt.
    Reply call_with_token(const std::string& method, const std::string& path,
                          const std::optional<std::string>& token, const nlohmann::json& body = nullptr) {
        api::HttpRequest request;
        request.method_string(method);
        request.target(path);
        request.version(11);
        if (token) {
            request.set("X-Auth-Token", *token);
        }
        if (!body.is_null()) {
            request.set("Content-Type", "application/json");
            request.body() = body.dump();
            request.prepare_payload();
        }
        api::HttpResponse response = server_->respond(request);
        Reply reply{static_cast<int>(response.result_int()), nullptr};
        if (!response.body().empty()) {
            reply.body = nlohmann::json::parse(response.body());
        }
        return reply;
    }

    // "/v3/p1/elb" followed by `rest`.
    static std::string path(const std::string& rest) { return project_path(kProject, rest); }

    // "/v3/<project>/elb" followed by `rest`.
    static std::string project_path(const std::string& project, const std::string& rest) {
        return "/v3/" + project + "/elb" + rest;
    }

    // Returns the ids of a list of response objects or of {"id": ...} references.
    static std::vector<std::string> ids_of(const nlohmann::json& list) {
        std::vector<std::string> ids;
        for (const auto& item : list) {
            ids.push_back(item.at("id").get<std::string>());
        }
        return ids;
    }

    // Creates a resource and returns its id, failing the test on any other status than 201.
    std::string create(const std::string& collection, const std::string& key, const nlohmann::json& object) {
        Reply reply = call("POST", path(collection), {{key, object}});
        EXPECT_EQ(reply.status, 201) << reply.body.dump();
        return reply.status == 201 ? reply.body[key]["id"].get<std::string>() : std::string();
    }

    // Declared first, so that the directory is removed after the server, plane and store close.
    ::tollgate::test::TempDir temp_dir_;
    const std::filesystem::path dir_ = temp_dir_.path();
    boost::asio::io_context io_;
    RecordingDataPlane data_plane_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<ControlPlane> plane_;
    std::unique_ptr<api::Server> server_;
    std::string token_;
};

}  // namespace tollgate::control::test
