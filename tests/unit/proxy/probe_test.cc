// Active health check probes: expected_codes matching, the probe request, and real probes
// against in-process backends on loopback that respond, refuse, stall or speak TLS.

#include "proxy/health/probe.h"
#include "tls/test_pki.h"

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tollgate::proxy::health {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asio::as_tuple;
using asio::use_awaitable;
using asio::ip::make_address;
using asio::ip::tcp;

// Aggregate initialisation skips the default member initializer, which g++ 12 -O2 reports as
// maybe uninitialised when it is copied and then replaced.
model::ExpectedCodes codes(std::vector<model::StatusCodeRange> ranges) {
    return model::ExpectedCodes{std::move(ranges)};
}

void rethrow_if_failed(std::exception_ptr error) {
    if (error) {
        std::rethrow_exception(error);
    }
}

TEST(CheckStatus, SingleCode) {
    const auto expected = codes({{200, 200}});

    EXPECT_TRUE(check_status(expected, 200).healthy());
    EXPECT_EQ(check_status(expected, 201).failure, Failure::StatusMismatch);
    EXPECT_EQ(check_status(expected, 201).detail, "status 201 not in 200");
}

TEST(CheckStatus, ListsAndRanges) {
    const auto expected = codes({{200, 204}, {301, 301}, {400, 499}});

    for (int status : {200, 202, 204, 301, 400, 451, 499}) {
        EXPECT_TRUE(check_status(expected, status).healthy()) << status;
    }
    for (int status : {199, 205, 300, 302, 500, 503}) {
        EXPECT_FALSE(check_status(expected, status).healthy()) << status;
    }
    const ProbeResult mismatch = check_status(expected, 500);
    EXPECT_EQ(mismatch.status_code, 500);
    EXPECT_EQ(mismatch.detail, "status 500 not in 200-204,301,400-499");
}

TEST(ExpectedCodesText, SpellsRangesAsTheMonitor) {
    EXPECT_EQ(expected_codes_text(codes({{200, 200}})), "200");
    EXPECT_EQ(expected_codes_text(codes({{200, 299}, {301, 301}})), "200-299,301");
}

TEST(ProbeRequest, GetWithDomainName) {
    model::HealthMonitor monitor;
    monitor.url_path = "/health?full=1";
    monitor.domain_name = "www.example.com";

    const tcp::endpoint endpoint(make_address("192.0.2.7"), 8080);
    EXPECT_EQ(probe_host(monitor, endpoint), "www.example.com");
    EXPECT_EQ(build_probe_request(monitor, "www.example.com"),
              "GET /health?full=1 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: tollgate-health-check\r\n"
              "Accept: */*\r\nConnection: close\r\n\r\n");
}

TEST(ProbeRequest, HostIsTheAddressWithoutDomainName) {
    model::HealthMonitor monitor;

    EXPECT_EQ(probe_host(monitor, tcp::endpoint(make_address("192.0.2.7"), 8080)), "192.0.2.7:8080");
    EXPECT_EQ(probe_host(monitor, tcp::endpoint(make_address("2001:db8::7"), 80)), "[2001:db8::7]:80");
}

TEST(ProbeRequest, PostHasEmptyBodyAndFragmentIsCut) {
    model::HealthMonitor monitor;
    monitor.http_method = model::MonitorHttpMethod::Post;
    monitor.url_path = "/check#top";

    const std::string request = build_probe_request(monitor, "h");
    EXPECT_TRUE(request.starts_with("POST /check HTTP/1.1\r\n")) << request;
    EXPECT_NE(request.find("\r\nContent-Length: 0\r\n"), std::string::npos) << request;
}

// A backend on 127.0.0.1 that records each request head and then sends `response`, closes
// at once, or keeps the connection open without a response.
class FakeBackend {
public:
    enum class Mode { Respond, Close, Stall };

    FakeBackend(asio::io_context& io, Mode mode, std::string response = {}, asio::ssl::context* tls = nullptr)
        : acceptor_(io, tcp::endpoint(make_address("127.0.0.1"), 0)),
          mode_(mode),
          response_(std::move(response)),
          tls_(tls) {
        asio::co_spawn(io, serve(), rethrow_if_failed);
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    const std::vector<std::string>& requests() const { return requests_; }

private:
    asio::awaitable<void> serve() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
            if (ec) {
                co_return;
            }
            if (tls_ == nullptr) {
                co_await answer(socket);
                continue;
            }
            auto stream = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(socket), *tls_);
            auto [handshake_error] =
                co_await stream->async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
            if (!handshake_error) {
                co_await answer(*stream);
            }
            held_tls_.push_back(std::move(stream));
        }
    }

    template <typename Stream>
    asio::awaitable<void> answer(Stream& stream) {
        if (mode_ == Mode::Close) {
            co_return;
        }
        std::string head;
        auto [read_error, read] = co_await asio::async_read_until(stream, asio::dynamic_buffer(head),
                                                                  "\r\n\r\n", as_tuple(use_awaitable));
        (void)read;
        if (read_error) {
            co_return;
        }
        requests_.push_back(head);
        if (mode_ == Mode::Respond) {
            co_await asio::async_write(stream, asio::buffer(response_), as_tuple(use_awaitable));
        }
        if constexpr (std::is_same_v<Stream, tcp::socket>) {
            if (mode_ == Mode::Stall) {
                held_.push_back(std::move(stream));
            }
        }
    }

    tcp::acceptor acceptor_;
    Mode mode_;
    std::string response_;
    asio::ssl::context* tls_;
    std::vector<std::string> requests_;
    std::vector<tcp::socket> held_;
    std::vector<std::unique_ptr<asio::ssl::stream<tcp::socket>>> held_tls_;
};

class ProbeTest : public ::testing::Test {
protected:
    ProbeResult probe(const model::HealthMonitor& monitor, std::uint16_t port) {
        const tcp::endpoint endpoint(make_address("127.0.0.1"), port);
        ProbeTarget target{endpoint, probe_host(monitor, endpoint)};
        std::optional<ProbeResult> result;
        asio::co_spawn(io_, run_probe(monitor, target, tls_),
                       [&](std::exception_ptr error, ProbeResult value) {
                           rethrow_if_failed(error);
                           result = std::move(value);
                       });
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!result && std::chrono::steady_clock::now() < deadline) {
            io_.run_one_for(100ms);
        }
        if (!result) {
            ADD_FAILURE() << "the probe did not finish within 10 s";
            return {};
        }
        return *result;
    }

    static model::HealthMonitor monitor(model::MonitorType type) {
        model::HealthMonitor monitor;
        monitor.type = type;
        monitor.delay = 1s;
        monitor.timeout = 1s;
        monitor.url_path = "/health";
        monitor.expected_codes = codes({{200, 299}});
        return monitor;
    }

    // Returns a port on which nothing listens.
    std::uint16_t closed_port() {
        tcp::acceptor acceptor(io_, tcp::endpoint(make_address("127.0.0.1"), 0));
        return acceptor.local_endpoint().port();
    }

    asio::io_context io_;
    asio::ssl::context tls_ = make_probe_tls_context();
};

TEST_F(ProbeTest, TcpConnects) {
    tcp::acceptor listening(io_, tcp::endpoint(make_address("127.0.0.1"), 0));

    const ProbeResult result = probe(monitor(model::MonitorType::Tcp), listening.local_endpoint().port());

    EXPECT_TRUE(result.healthy()) << result.detail;
}

TEST_F(ProbeTest, TcpRefused) {
    const ProbeResult result = probe(monitor(model::MonitorType::Tcp), closed_port());

    EXPECT_EQ(result.failure, Failure::ConnectRefused);
    EXPECT_EQ(result.detail, "connection refused");
}

TEST_F(ProbeTest, HttpExpectedStatus) {
    FakeBackend backend(io_, FakeBackend::Mode::Respond, "HTTP/1.1 204 No Content\r\n\r\n");

    const ProbeResult result = probe(monitor(model::MonitorType::Http), backend.port());

    EXPECT_TRUE(result.healthy()) << result.detail;
    EXPECT_EQ(result.status_code, 204);
    ASSERT_EQ(backend.requests().size(), 1u);
    EXPECT_TRUE(backend.requests()[0].starts_with(
        "GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(backend.port()) + "\r\n"))
        << backend.requests()[0];
}

TEST_F(ProbeTest, HttpUnexpectedStatus) {
    FakeBackend backend(io_, FakeBackend::Mode::Respond,
                        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nerror");

    const ProbeResult result = probe(monitor(model::MonitorType::Http), backend.port());

    EXPECT_EQ(result.failure, Failure::StatusMismatch);
    EXPECT_EQ(result.status_code, 500);
    EXPECT_EQ(result.detail, "status 500 not in 200-299");
}

TEST_F(ProbeTest, HttpNoResponseTimesOut) {
    FakeBackend backend(io_, FakeBackend::Mode::Stall);

    const auto started = std::chrono::steady_clock::now();
    const ProbeResult result = probe(monitor(model::MonitorType::Http), backend.port());
    const auto took = std::chrono::steady_clock::now() - started;

    EXPECT_EQ(result.failure, Failure::ReceiveTimeout);
    EXPECT_EQ(result.detail, "no response within 1 s");
    EXPECT_GE(took, 900ms);
    EXPECT_LT(took, 3s);
}

TEST_F(ProbeTest, HttpClosedWithoutResponse) {
    FakeBackend backend(io_, FakeBackend::Mode::Close);

    const ProbeResult result = probe(monitor(model::MonitorType::Http), backend.port());

    EXPECT_EQ(result.failure, Failure::ReceiveFailed);
}

TEST_F(ProbeTest, HttpMalformedResponse) {
    FakeBackend backend(io_, FakeBackend::Mode::Respond, "SMTP ready\r\n\r\n");

    const ProbeResult result = probe(monitor(model::MonitorType::Http), backend.port());

    EXPECT_EQ(result.failure, Failure::MalformedResponse);
}

TEST_F(ProbeTest, HttpsAcceptsSelfSignedCertificate) {
    const auto issued = tls::test::issue({.common_name = "backend.test", .alt_names = {"DNS:backend.test"}});
    asio::ssl::context server_tls(asio::ssl::context::tls_server);
    ASSERT_EQ(SSL_CTX_use_certificate(server_tls.native_handle(), issued.certificate.get()), 1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey(server_tls.native_handle(), issued.key.get()), 1);
    FakeBackend backend(io_, FakeBackend::Mode::Respond, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                        &server_tls);
    auto https = monitor(model::MonitorType::Https);
    https.domain_name = "backend.test";

    const ProbeResult result = probe(https, backend.port());

    EXPECT_TRUE(result.healthy()) << result.detail;
    ASSERT_EQ(backend.requests().size(), 1u);
    EXPECT_NE(backend.requests()[0].find("\r\nHost: backend.test\r\n"), std::string::npos);
}

TEST_F(ProbeTest, HttpsAgainstPlainBackendFails) {
    FakeBackend backend(io_, FakeBackend::Mode::Respond, "HTTP/1.1 200 OK\r\n\r\n");

    const ProbeResult result = probe(monitor(model::MonitorType::Https), backend.port());

    EXPECT_EQ(result.failure, Failure::TlsHandshakeFailed);
}

}  // namespace
}  // namespace tollgate::proxy::health
