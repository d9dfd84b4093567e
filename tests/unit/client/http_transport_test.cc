#include "client/http_transport.h"

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <future>
#include <thread>

namespace tollgate::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// A loopback server on a port from the OS that runs `serve` on one thread with its acceptor.
class TestServer {
public:
    explicit TestServer(std::function<void(tcp::acceptor&)> serve)
        : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        thread_ = std::thread([this, serve = std::move(serve)] { serve(acceptor_); });
    }
    ~TestServer() { thread_.join(); }

    std::string url(const std::string& path = "") const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
    }

private:
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
};

HttpTransportOptions options_for(const std::string& url_text,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto url = parse_api_url(url_text);
    EXPECT_TRUE(url) << url.error().message;
    return HttpTransportOptions{*url, "the-token", timeout};
}

// Reads one request from `socket` and responds to it with `body`.
http::request<http::string_body> answer(tcp::socket& socket, beast::flat_buffer& buffer,
                                        const std::string& body) {
    http::request<http::string_body> request;
    http::read(socket, buffer, request);
    http::response<http::string_body> response{http::status::ok, 11};
    response.set("X-Request-Id", "r-1");
    response.body() = body;
    response.prepare_payload();
    http::write(socket, response);
    return request;
}

TEST(HttpTransport, SendsTokenHostAndBasePath) {
    std::promise<http::request<http::string_body>> received;
    TestServer server([&](tcp::acceptor& acceptor) {
        tcp::socket socket = acceptor.accept();
        beast::flat_buffer buffer;
        received.set_value(answer(socket, buffer, R"({"ok":true})"));
    });
    HttpTransport transport(options_for(server.url("/lb/")));
    auto response = transport.send({"POST", "/v3/default/elb/pools", R"({"pool":{}})"});
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, R"({"ok":true})");
    EXPECT_EQ(response->request_id, "r-1");

    auto request = received.get_future().get();
    EXPECT_EQ(request.target(), "/lb/v3/default/elb/pools");
    EXPECT_EQ(request["X-Auth-Token"], "the-token");
    EXPECT_EQ(request[http::field::host], server.url().substr(7));
    EXPECT_EQ(request[http::field::content_type], "application/json");
    EXPECT_EQ(request.body(), R"({"pool":{}})");
}

TEST(HttpTransport, ReconnectsWhenKeepAliveConnectionClosed) {
    TestServer server([](tcp::acceptor& acceptor) {
        // The first connection closes after one response although it promised keep-alive,
        // as a server does when its idle timeout ends the connection.
        for (const char* body : {"first", "second"}) {
            tcp::socket socket = acceptor.accept();
            beast::flat_buffer buffer;
            answer(socket, buffer, body);
        }
    });
    HttpTransport transport(options_for(server.url()));
    auto first = transport.send({"GET", "/a", ""});
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->body, "first");
    auto second = transport.send({"GET", "/b", ""});
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(second->body, "second");
}

TEST(HttpTransport, ConnectionRefusedNamesTheServe) {
    std::string url;
    {
        asio::io_context io;
        tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        url = "http://127.0.0.1:" + std::to_string(probe.local_endpoint().port());
    }
    HttpTransport transport(options_for(url));
    auto response = transport.send({"GET", "/versions", ""});
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().message,
              "cannot reach the API at " + url + ": connection refused; is `tollgate serve` running?");
}

TEST(HttpTransport, SilentServerTimesOut) {
    std::promise<void> done;
    TestServer server([&](tcp::acceptor& acceptor) {
        tcp::socket socket = acceptor.accept();
        done.get_future().wait();
    });
    HttpTransport transport(options_for(server.url(), std::chrono::milliseconds(300)));
    auto response = transport.send({"GET", "/v3/default/elb/pools", ""});
    done.set_value();
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().kind, core::ErrorKind::Timeout);
    EXPECT_EQ(response.error().message,
              "the request to the API at " + server.url() +
                  " timed out: no response to GET /v3/default/elb/pools within 0.3 s");
}

}  // namespace
}  // namespace tollgate::client
