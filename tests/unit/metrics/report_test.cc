#include "metrics/report.h"
#include "metrics/exposition.h"

#include <gtest/gtest.h>

namespace tollgate::metrics {
namespace {

TEST(PrometheusText, EscapesLabelValues) {
    PrometheusText out;
    out.family("tollgate_example_total", "counter", "Help with a \\ backslash\nand a newline.");
    out.sample("tollgate_example_total", {{"name", "a \"quoted\" \\ name\nnext"}}, std::uint64_t{7});

    EXPECT_EQ(out.text(),
              "# HELP tollgate_example_total Help with a \\\\ backslash\\nand a newline.\n"
              "# TYPE tollgate_example_total counter\n"
              "tollgate_example_total{name=\"a \\\"quoted\\\" \\\\ name\\nnext\"} 7\n");
}

TEST(PrometheusText, HistogramIsCumulative) {
    Histogram histogram;
    histogram.observe(std::chrono::microseconds(200));
    histogram.observe(std::chrono::milliseconds(20));
    PrometheusText out;
    out.histogram("tollgate_duration_seconds", {{"listener_id", "l1"}}, histogram.values());

    const std::string& text = out.text();
    EXPECT_NE(text.find("tollgate_duration_seconds_bucket{listener_id=\"l1\",le=\"0.0005\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("tollgate_duration_seconds_bucket{listener_id=\"l1\",le=\"0.01\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("tollgate_duration_seconds_bucket{listener_id=\"l1\",le=\"0.025\"} 2\n"),
              std::string::npos);
    EXPECT_NE(text.find("tollgate_duration_seconds_bucket{listener_id=\"l1\",le=\"+Inf\"} 2\n"),
              std::string::npos);
    EXPECT_NE(text.find("tollgate_duration_seconds_sum{listener_id=\"l1\"} 0.0202\n"), std::string::npos);
    EXPECT_NE(text.find("tollgate_duration_seconds_count{listener_id=\"l1\"} 2\n"), std::string::npos);
}

TEST(Render, ReportsEveryFamily) {
    Report report;
    ListenerTotals listener;
    listener.listener_id = "l1";
    listener.loadbalancer_id = "lb1";
    listener.responses[1] = 5;
    listener.active_connections = 2;
    listener.handshake_failures[static_cast<std::size_t>(tls::HandshakeFailure::NoCertificate)] = 3;
    report.listeners.push_back(listener);
    report.members.push_back({"p1", "m1", "127.0.0.1:8080", "OFFLINE"});
    report.certificates.push_back({"c1", "server", "server", -86400});

    std::string text = render(report);
    EXPECT_NE(text.find("tollgate_http_responses_total{listener_id=\"l1\",loadbalancer_id=\"lb1\","
                        "status_class=\"2xx\"} 5\n"),
              std::string::npos);
    EXPECT_NE(text.find("tollgate_active_connections{listener_id=\"l1\",loadbalancer_id=\"lb1\"} 2\n"),
              std::string::npos);
    EXPECT_NE(text.find("tollgate_tls_handshakes_total{listener_id=\"l1\",loadbalancer_id=\"lb1\","
                        "result=\"failure\",reason=\"no_certificate\"} 3\n"),
              std::string::npos);
    EXPECT_NE(text.find("tollgate_member_status{pool_id=\"p1\",member_id=\"m1\",address=\"127.0.0.1:8080\","
                        "status=\"OFFLINE\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("tollgate_member_status{pool_id=\"p1\",member_id=\"m1\",address=\"127.0.0.1:8080\","
                        "status=\"ONLINE\"} 0\n"),
              std::string::npos);
    EXPECT_NE(text.find("tollgate_certificate_expiry_seconds{certificate_id=\"c1\",name=\"server\","
                        "type=\"server\"} -86400\n"),
              std::string::npos);
}

}  // namespace
}  // namespace tollgate::metrics
