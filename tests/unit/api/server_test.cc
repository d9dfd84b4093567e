// Runs the API server on a loopback port chosen by the OS and sends real HTTP requests.

#include "api/server.h"

#include "core/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <stdlib.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace tollgate::api {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace fs = std::filesystem;
using asio::ip::tcp;

constexpr const char* kProjectId = "0123456789abcdef0123456789abcdef";

Router make_router() {
    Router router;
    router.add("GET", "/v3/{project_id}/elb/certificates/{certificate_id}",
               [](const ApiRequest& request) -> ApiResult<ApiResponse> {
                   return ApiError::not_found("certificate", request.params.at("certificate_id"));
               });
    router.add("POST", "/v3/{project_id}/elb/certificates",
               [](const ApiRequest& request) -> ApiResult<ApiResponse> {
                   return ApiResponse{201, {{"certificate", request.body.at("certificate")}}};
               });
    router.add("DELETE", "/v3/{project_id}/elb/certificates/{certificate_id}",
               [](const ApiRequest&) -> ApiResult<ApiResponse> { return ApiResponse{}; });
    router.add("GET", "/v3/{project_id}/elb/pools", [](const ApiRequest& request) -> ApiResult<ApiResponse> {
        return ApiResponse{200, {{"ids", request.query.at("id")}}};
    });
    router.add("GET", "/v3/{project_id}/elb/members", [](const ApiRequest&) -> ApiResult<ApiResponse> {
        throw std::runtime_error("store unavailable");
    });
    return router;
}

class ServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "tollgate-api-server-XXXXXX").string();
        data_dir_ = ::mkdtemp(pattern.data());
        auto token = AdminToken::load_or_create(data_dir_);
        ASSERT_TRUE(token) << token.error().message;
        std::ifstream file(data_dir_ / AdminToken::kFileName);
        std::getline(file, token_);

        server_ = std::make_unique<Server>(io_, ServerOptions{.address = "127.0.0.1", .port = 0},
                                           make_router(), std::move(*token));
        server_->add_text_resource("/metrics",
                                   {"text/plain; version=0.0.4", [] { return std::string("up 1\n"); }});
        auto endpoint = server_->start();
        ASSERT_TRUE(endpoint) << endpoint.error().message;
        endpoint_ = *endpoint;

        // The sink is added before the server thread starts and removed after it ends,
        // because spdlog does not lock a logger's sink list.
        log_sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
        core::logger("api")->sinks().push_back(log_sink_);
        io_thread_ = std::thread([this] { io_.run(); });
    }

    void TearDown() override {
        stop_server();
        std::error_code ignored;
        fs::remove_all(data_dir_, ignored);
    }

    // Stops the server and waits for its thread, after which the log can be read.
    void stop_server() {
        if (io_thread_.joinable()) {
            asio::post(io_, [this] { server_->stop(); });
            io_thread_.join();
        }
        if (log_sink_) {
            auto& sinks = core::logger("api")->sinks();
            sinks.erase(std::remove(sinks.begin(), sinks.end(), log_sink_), sinks.end());
            log_sink_.reset();
        }
    }

    tcp::socket connect() {
        tcp::socket socket(client_io_);
        socket.connect(endpoint_);
        return socket;
    }

    HttpResponse exchange(tcp::socket& socket, HttpRequest request) {
        request.version(11);
        request.set(http::field::host, "127.0.0.1");
        request.prepare_payload();
        http::write(socket, request);
        HttpResponse response;
        http::read(socket, buffer_, response);
        return response;
    }

    HttpResponse send(http::verb method, std::string target, std::string body = {}, bool with_token = true) {
        tcp::socket socket = connect();
        HttpRequest request{method, target, 11};
        if (with_token) {
            request.set("X-Auth-Token", token_);
        }
        if (!body.empty()) {
            request.set(http::field::content_type, "application/json");
            request.body() = std::move(body);
        }
        return exchange(socket, std::move(request));
    }

    static nlohmann::json body_of(const HttpResponse& response) {
        return nlohmann::json::parse(response.body());
    }

    static void expect_error(const HttpResponse& response, int status, const std::string& code,
                             const std::string& message) {
        EXPECT_EQ(response.result_int(), status);
        EXPECT_EQ(response[http::field::content_type], "application/json");
        auto body = body_of(response);
        EXPECT_EQ(body.at("error_code"), code);
        EXPECT_EQ(body.at("error_msg"), message);
        EXPECT_EQ(body.at("request_id"), std::string(response["X-Request-Id"]));
    }

    std::string path(const std::string& rest) const {
        return std::string("/v3/") + kProjectId + "/elb" + rest;
    }

    fs::path data_dir_;
    std::string token_;
    asio::io_context io_;
    asio::io_context client_io_;
    std::unique_ptr<Server> server_;
    tcp::endpoint endpoint_;
    std::thread io_thread_;
    boost::beast::flat_buffer buffer_;
    std::ostringstream log_;
    std::shared_ptr<spdlog::sinks::ostream_sink_mt> log_sink_;
};

TEST_F(ServerTest, VersionsWithoutToken) {
    auto response = send(http::verb::get, "/versions", {}, false);
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response[http::field::content_type], "application/json");
    EXPECT_EQ(response["X-Request-Id"].size(), 32u);
    EXPECT_EQ(body_of(response), nlohmann::json::parse(R"({"versions":[{"id":"v3","status":"CURRENT"}]})"));
}

TEST_F(ServerTest, TextResourceWithoutToken) {
    auto response = send(http::verb::get, "/metrics", {}, false);
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4");
    EXPECT_EQ(response[http::field::cache_control], "no-store");
    EXPECT_EQ(response.body(), "up 1\n");
}

TEST_F(ServerTest, TextResourceRejectsPost) {
    auto response = send(http::verb::post, "/metrics", {}, false);
    EXPECT_EQ(response.result_int(), 405);
    EXPECT_EQ(response[http::field::allow], "GET, HEAD");
}

TEST_F(ServerTest, MissingTokenIs401) {
    auto response = send(http::verb::get, path("/certificates/abc"), {}, false);
    expect_error(response, 401, "ELB.1103",
                 "The X-Auth-Token header is missing or invalid. Send the admin token.");
}

TEST_F(ServerTest, WrongTokenIs401) {
    tcp::socket socket = connect();
    HttpRequest request{http::verb::get, path("/certificates/abc"), 11};
    std::string wrong = token_;
    wrong.back() = wrong.back() == '0' ? '1' : '0';
    request.set("X-Auth-Token", wrong);
    auto response = exchange(socket, std::move(request));
    expect_error(response, 401, "ELB.1103",
                 "The X-Auth-Token header is missing or invalid. Send the admin token.");
}

TEST_F(ServerTest, UnknownPathWithoutTokenIs401) {
    // Routes under /v3/ are not revealed before authentication.
    auto response = send(http::verb::get, "/v3/p1/elb/nothing", {}, false);
    EXPECT_EQ(response.result_int(), 401);
}

TEST_F(ServerTest, HandlerNotFoundBody) {
    auto response = send(http::verb::get, path("/certificates/233a325e"));
    expect_error(response, 404, "ELB.8904", "certificate 233a325e could not be found");
    EXPECT_EQ(body_of(response).size(), 3u);
}

TEST_F(ServerTest, UnknownPathIs404) {
    auto response = send(http::verb::get, path("/nothing"));
    expect_error(response, 404, "ELB.8904", "path " + path("/nothing") + " could not be found");
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
    auto response = send(http::verb::put, path("/certificates/abc"), R"({"certificate":{}})");
    expect_error(response, 405, "ELB.8902",
                 "Method PUT is not allowed on " + path("/certificates/abc") + ". See the Allow header.");
    EXPECT_EQ(response[http::field::allow], "DELETE, GET");
}

TEST_F(ServerTest, InvalidProjectIdIs400) {
    auto response = send(http::verb::get, "/v3/bad.project/elb/certificates/abc");
    expect_error(response, 400, "ELB.8902",
                 "Invalid input for 'project_id': 'bad.project'. A project_id is 1-64 characters of letters, "
                 "digits, '_' and '-'.");
}

TEST_F(ServerTest, CreateReturnsRequestId) {
    auto response = send(http::verb::post, path("/certificates"), R"({"certificate":{"name":"web"}})");
    EXPECT_EQ(response.result_int(), 201);
    auto body = body_of(response);
    EXPECT_EQ(body.at("certificate").at("name"), "web");
    EXPECT_EQ(body.at("request_id"), std::string(response["X-Request-Id"]));
}

TEST_F(ServerTest, DeleteIs204WithoutBody) {
    auto response = send(http::verb::delete_, path("/certificates/abc"));
    EXPECT_EQ(response.result_int(), 204);
    EXPECT_TRUE(response.body().empty());
    EXPECT_EQ(response["X-Request-Id"].size(), 32u);
    EXPECT_EQ(response[http::field::content_type], "application/json");
}

TEST_F(ServerTest, QueryReachesHandler) {
    auto response = send(http::verb::get, path("/pools?id=a&id=b%20c"));
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(body_of(response).at("ids"), nlohmann::json::parse(R"(["a","b c"])"));
}

TEST_F(ServerTest, InvalidJsonNamesByteOffset) {
    auto response = send(http::verb::post, path("/certificates"), R"({"certificate": })");
    expect_error(response, 400, "ELB.8902",
                 "Invalid input for 'body': the request body is not valid JSON (syntax error at byte 17). "
                 "Send a JSON object.");
}

TEST_F(ServerTest, DeeplyNestedBodyIs400) {
    const int depth = 100000;
    std::string body =
        R"({"certificate": {"name": )" + std::string(depth, '[') + std::string(depth, ']') + "}}";
    auto response = send(http::verb::post, path("/certificates"), body);
    expect_error(
        response, 400, "ELB.8902",
        "Invalid input for 'body': arrays and objects nest deeper than 32 levels. Send a flatter JSON "
        "object.");
}

TEST_F(ServerTest, BracketsInsideStringsDoNotCountAsNesting) {
    std::string body = R"({"certificate": {"name": ")" + std::string(100, '[') + R"(\"{"}})";
    auto response = send(http::verb::post, path("/certificates"), body);
    EXPECT_NE(response.result_int(), 400) << response.body();
}

TEST_F(ServerTest, InvalidUtf8IsNamed) {
    auto response = send(http::verb::post, path("/certificates"), "{\"certificate\": \"\xff\"}");
    expect_error(
        response, 400, "ELB.8902",
        "Invalid input for 'body': the request body is not valid UTF-8 (invalid byte sequence at byte "
        "18). Send JSON text encoded as UTF-8.");
}

TEST_F(ServerTest, NonObjectBodyIs400) {
    auto response = send(http::verb::post, path("/certificates"), "[1]");
    expect_error(response, 400, "ELB.8902",
                 "Invalid input for 'body': the request body is a JSON array. Send a JSON object.");
}

TEST_F(ServerTest, EmptyPostBodyIs400) {
    auto response = send(http::verb::post, path("/certificates"));
    expect_error(response, 400, "ELB.0002", "The request body is empty. Send a JSON object.");
}

TEST_F(ServerTest, WrongContentTypeIs400) {
    tcp::socket socket = connect();
    HttpRequest request{http::verb::post, path("/certificates"), 11};
    request.set("X-Auth-Token", token_);
    request.set(http::field::content_type, "text/plain");
    request.body() = R"({"certificate":{}})";
    auto response = exchange(socket, std::move(request));
    expect_error(response, 400, "ELB.8902",
                 "Invalid input for 'Content-Type': 'text/plain'. Send request bodies as application/json.");
}

TEST_F(ServerTest, HandlerExceptionIs500) {
    auto response = send(http::verb::get, path("/members"));
    std::string request_id(response["X-Request-Id"]);
    expect_error(response, 500, "ELB.8906",
                 "Internal error. The server log has the details under request id " + request_id + ".");
}

TEST_F(ServerTest, BodyOverLimitIs413) {
    tcp::socket socket = connect();
    HttpRequest request{http::verb::post, path("/certificates"), 11};
    request.set("X-Auth-Token", token_);
    request.set(http::field::content_type, "application/json");
    request.body() = std::string(2 * 1024 * 1024, ' ');
    auto response = exchange(socket, std::move(request));
    expect_error(response, 413, "ELB.8902", "The request body is larger than the maximum of 1048576 bytes.");
    EXPECT_FALSE(response.keep_alive());
}

TEST_F(ServerTest, ExpectContinueGetsInterimResponse) {
    tcp::socket socket = connect();
    const std::string body = R"({"certificate":{"name":"web"}})";
    const std::string header =
        "POST " + path("/certificates") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: " + token_ +
        "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n";
    asio::write(socket, asio::buffer(header));

    // The server sends nothing else before it has the body, so this reads only the interim response.
    std::string interim;
    asio::read_until(socket, asio::dynamic_buffer(interim), "\r\n\r\n");
    EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");

    asio::write(socket, asio::buffer(body));
    HttpResponse response;
    http::read(socket, buffer_, response);
    EXPECT_EQ(response.result_int(), 201);
    EXPECT_EQ(body_of(response).at("certificate").at("name"), "web");
}

TEST_F(ServerTest, KeepAliveServesSeveralRequests) {
    tcp::socket socket = connect();
    std::string previous_id;
    for (int i = 0; i < 3; ++i) {
        HttpRequest request{http::verb::get, "/versions", 11};
        auto response = exchange(socket, std::move(request));
        ASSERT_EQ(response.result_int(), 200);
        EXPECT_TRUE(response.keep_alive());
        EXPECT_NE(std::string(response["X-Request-Id"]), previous_id);
        previous_id = std::string(response["X-Request-Id"]);
    }
}

TEST_F(ServerTest, MalformedRequestIs400) {
    tcp::socket socket = connect();
    asio::write(socket, asio::buffer(std::string("GET /versions HTTP/1.1\r\nBad Header\r\n\r\n")));
    HttpResponse response;
    http::read(socket, buffer_, response);
    expect_error(response, 400, "ELB.8902", "The request is not valid HTTP/1.1: bad field.");
    EXPECT_FALSE(response.keep_alive());
}

TEST_F(ServerTest, LogOmitsTokenAndBody) {
    auto created =
        send(http::verb::post, path("/certificates"), R"({"certificate":{"name":"secret-body-text"}})");
    ASSERT_EQ(created.result_int(), 201);
    std::string wrong = token_;
    wrong.front() = wrong.front() == '0' ? '1' : '0';
    tcp::socket socket = connect();
    HttpRequest request{http::verb::get, path("/certificates/abc"), 11};
    request.set("X-Auth-Token", wrong);
    ASSERT_EQ(exchange(socket, std::move(request)).result_int(), 401);
    stop_server();

    std::string log = log_.str();
    EXPECT_NE(log.find("POST " + path("/certificates") +
                       " status=201 request_id=" + std::string(created["X-Request-Id"]) + " duration_ms="),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("GET " + path("/certificates/abc") + " status=401"), std::string::npos) << log;
    EXPECT_EQ(log.find(token_), std::string::npos) << log;
    EXPECT_EQ(log.find(wrong), std::string::npos) << log;
    EXPECT_EQ(log.find("secret-body-text"), std::string::npos) << log;
}

TEST_F(ServerTest, StopClosesKeepAliveConnections) {
    tcp::socket socket = connect();
    HttpRequest request{http::verb::get, "/versions", 11};
    auto response = exchange(socket, std::move(request));
    ASSERT_TRUE(response.keep_alive());

    stop_server();
    char byte = 0;
    boost::system::error_code error;
    socket.read_some(asio::buffer(&byte, 1), error);
    EXPECT_EQ(error, asio::error::eof);
}

TEST(ServerIdleTest, ClosesIdleConnection) {
    asio::io_context io;
    std::string pattern = (fs::temp_directory_path() / "tollgate-api-server-XXXXXX").string();
    fs::path dir = ::mkdtemp(pattern.data());
    auto token = AdminToken::load_or_create(dir);
    ASSERT_TRUE(token);
    ServerOptions options{.address = "127.0.0.1", .port = 0, .idle_timeout = std::chrono::seconds(1)};
    Server server(io, options, Router{}, std::move(*token));
    auto endpoint = server.start();
    ASSERT_TRUE(endpoint);
    std::thread io_thread([&io] { io.run(); });

    asio::io_context client_io;
    tcp::socket socket(client_io);
    socket.connect(*endpoint);
    const auto started = std::chrono::steady_clock::now();
    char byte = 0;
    boost::system::error_code error;
    // Blocks until the server closes the connection after the idle timeout.
    socket.read_some(asio::buffer(&byte, 1), error);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(error, asio::error::eof);
    EXPECT_GE(elapsed, std::chrono::milliseconds(900));
    EXPECT_LT(elapsed, std::chrono::seconds(10));

    asio::post(io, [&server] { server.stop(); });
    io_thread.join();
    fs::remove_all(dir);
}

TEST_F(ServerTest, PortInUseIsReported) {
    std::string pattern = (fs::temp_directory_path() / "tollgate-api-server-XXXXXX").string();
    fs::path dir = ::mkdtemp(pattern.data());
    auto token = AdminToken::load_or_create(dir);
    ASSERT_TRUE(token);
    asio::io_context io;
    Server second(io, ServerOptions{.address = "127.0.0.1", .port = endpoint_.port()}, Router{},
                  std::move(*token));

    auto started = second.start();
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().message,
              "cannot listen for the API on 127.0.0.1:" + std::to_string(endpoint_.port()) +
                  ": Address already in use; choose another address or port");
    fs::remove_all(dir);
}

TEST(ServerStartTest, InvalidAddress) {
    asio::io_context io;
    std::string pattern = (fs::temp_directory_path() / "tollgate-api-server-XXXXXX").string();
    fs::path dir = ::mkdtemp(pattern.data());
    auto token = AdminToken::load_or_create(dir);
    ASSERT_TRUE(token);
    Server server(io, ServerOptions{.address = "localhost", .port = 0}, Router{}, std::move(*token));
    auto started = server.start();
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().message,
              "invalid API listen address 'localhost': Invalid argument; use an IPv4 or IPv6 address");
    fs::remove_all(dir);
}

}  // namespace
}  // namespace tollgate::api
