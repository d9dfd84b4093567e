// The active status counter, passive ejection with its back-off, and the health registry
// that keeps records across configurations.

#include "proxy/health/member_health.h"
#include "proxy/health/registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace tollgate::proxy::health {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::make_address;
using boost::asio::ip::tcp;

const tcp::endpoint kEndpoint{make_address("127.0.0.1"), 8080};

// A fixed start time, so that ejections are checked against a fake clock.
const Clock::time_point kStart = Clock::time_point(1000h);

TEST(ProbeCounter, GoesOfflineAfterFallFailuresInARow) {
    ProbeCounter counter(2, 3);

    EXPECT_EQ(counter.record(false, OperatingStatus::Online), std::nullopt);
    EXPECT_EQ(counter.record(false, OperatingStatus::Online), std::nullopt);
    EXPECT_EQ(counter.record(false, OperatingStatus::Online), OperatingStatus::Offline);
}

TEST(ProbeCounter, SuccessResetsFailures) {
    ProbeCounter counter(2, 3);

    counter.record(false, OperatingStatus::Online);
    counter.record(false, OperatingStatus::Online);
    EXPECT_EQ(counter.record(true, OperatingStatus::Online), std::nullopt);
    EXPECT_EQ(counter.failures(), 0);
    EXPECT_EQ(counter.record(false, OperatingStatus::Online), std::nullopt);
    EXPECT_EQ(counter.record(false, OperatingStatus::Online), std::nullopt);
    EXPECT_EQ(counter.record(false, OperatingStatus::Online), OperatingStatus::Offline);
}

TEST(ProbeCounter, GoesOnlineAfterRiseSuccessesInARow) {
    ProbeCounter counter(2, 1);

    EXPECT_EQ(counter.record(true, OperatingStatus::Offline), std::nullopt);
    EXPECT_EQ(counter.record(false, OperatingStatus::Offline), std::nullopt);
    EXPECT_EQ(counter.successes(), 0);
    EXPECT_EQ(counter.record(true, OperatingStatus::Offline), std::nullopt);
    EXPECT_EQ(counter.record(true, OperatingStatus::Offline), OperatingStatus::Online);
}

TEST(ProbeCounter, ResultsAgreeingWithStatusChangeNothing) {
    ProbeCounter counter(1, 1);

    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(counter.record(true, OperatingStatus::Online), std::nullopt);
        EXPECT_EQ(counter.record(false, OperatingStatus::Offline), std::nullopt);
    }
}

TEST(ProbeCounter, NoMonitorCountsAsUp) {
    ProbeCounter counter(1, 2);

    EXPECT_EQ(counter.record(false, OperatingStatus::NoMonitor), std::nullopt);
    EXPECT_EQ(counter.record(false, OperatingStatus::NoMonitor), OperatingStatus::Offline);
}

TEST(EjectionDuration, DoublesUpToTheMaximum) {
    model::PassiveHealthCheck settings;  // 30 s, at most 300 s

    EXPECT_EQ(ejection_duration(settings, 1), 30s);
    EXPECT_EQ(ejection_duration(settings, 2), 60s);
    EXPECT_EQ(ejection_duration(settings, 3), 120s);
    EXPECT_EQ(ejection_duration(settings, 4), 240s);
    EXPECT_EQ(ejection_duration(settings, 5), 300s);
    EXPECT_EQ(ejection_duration(settings, 1000), 300s);
}

TEST(MemberHealth, StartsWithoutMonitor) {
    MemberHealth health("app", kEndpoint);

    EXPECT_EQ(health.operating_status(kStart), OperatingStatus::NoMonitor);
    EXPECT_FALSE(health.ejected(kStart));
    EXPECT_EQ(health.ejected_until(), std::nullopt);
}

TEST(MemberHealth, EjectsAfterConsecutiveFailures) {
    MemberHealth health("app", kEndpoint);
    model::PassiveHealthCheck settings;  // 5 failures, 30 s

    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(health.record_request_failure(settings, Failure::ConnectRefused, 0, kStart), std::nullopt);
    }
    auto ejection = health.record_request_failure(settings, Failure::ConnectRefused, 0, kStart);

    ASSERT_TRUE(ejection);
    EXPECT_EQ(ejection->duration, 30s);
    EXPECT_EQ(ejection->ejections, 1u);
    EXPECT_TRUE(health.ejected(kStart + 29s));
    EXPECT_FALSE(health.ejected(kStart + 30s));
    EXPECT_EQ(health.operating_status(kStart + 1s), OperatingStatus::Offline);
    EXPECT_EQ(health.operating_status(kStart + 30s), OperatingStatus::NoMonitor);
    EXPECT_EQ(health.last_failure(), Failure::ConnectRefused);
}

TEST(MemberHealth, SuccessResetsTheCount) {
    MemberHealth health("app", kEndpoint);
    model::PassiveHealthCheck settings;
    settings.consecutive_failures = 3;

    health.record_request_failure(settings, Failure::StatusMismatch, 502, kStart);
    health.record_request_failure(settings, Failure::StatusMismatch, 502, kStart);
    health.record_request_success();
    EXPECT_EQ(health.consecutive_request_failures(), 0u);
    EXPECT_EQ(health.record_request_failure(settings, Failure::StatusMismatch, 502, kStart), std::nullopt);
    EXPECT_EQ(health.record_request_failure(settings, Failure::StatusMismatch, 502, kStart), std::nullopt);
    EXPECT_TRUE(health.record_request_failure(settings, Failure::StatusMismatch, 503, kStart));
    EXPECT_EQ(health.last_status_code(), 503);
}

TEST(MemberHealth, FailuresWhileEjectedAreIgnored) {
    MemberHealth health("app", kEndpoint);
    model::PassiveHealthCheck settings;
    settings.consecutive_failures = 1;

    ASSERT_TRUE(health.record_request_failure(settings, Failure::ConnectRefused, 0, kStart));
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(health.record_request_failure(settings, Failure::ConnectRefused, 0, kStart + 10s),
                  std::nullopt);
    }
    EXPECT_FALSE(health.ejected(kStart + 30s));
}

TEST(MemberHealth, FailureOnProbationDoublesTheEjection) {
    MemberHealth health("app", kEndpoint);
    model::PassiveHealthCheck settings;
    settings.consecutive_failures = 5;
    settings.ejection_time = 10s;
    settings.max_ejection_time = 25s;

    for (int i = 0; i < 5; ++i) {
        health.record_request_failure(settings, Failure::ConnectTimeout, 0, kStart);
    }
    ASSERT_TRUE(health.ejected(kStart));

    // Back after 10 s, the first failure ejects again, for twice as long.
    auto second = health.record_request_failure(settings, Failure::ConnectTimeout, 0, kStart + 10s);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->duration, 20s);
    EXPECT_EQ(second->ejections, 2u);
    EXPECT_TRUE(health.ejected(kStart + 29s));

    auto third = health.record_request_failure(settings, Failure::ConnectTimeout, 0, kStart + 30s);
    ASSERT_TRUE(third);
    EXPECT_EQ(third->duration, 25s);
    EXPECT_EQ(third->ejections, 3u);
}

TEST(MemberHealth, SuccessEndsProbation) {
    MemberHealth health("app", kEndpoint);
    model::PassiveHealthCheck settings;
    settings.consecutive_failures = 2;

    health.record_request_failure(settings, Failure::ConnectRefused, 0, kStart);
    ASSERT_TRUE(health.record_request_failure(settings, Failure::ConnectRefused, 0, kStart));
    health.record_request_success();

    EXPECT_EQ(health.record_request_failure(settings, Failure::ConnectRefused, 0, kStart + 31s),
              std::nullopt);
    auto ejection = health.record_request_failure(settings, Failure::ConnectRefused, 0, kStart + 31s);
    ASSERT_TRUE(ejection);
    EXPECT_EQ(ejection->duration, 30s);
    EXPECT_EQ(ejection->ejections, 1u);
}

TEST(MemberHealth, DisabledNeverEjects) {
    MemberHealth health("app", kEndpoint);
    model::PassiveHealthCheck settings;
    settings.enable = false;
    settings.consecutive_failures = 1;

    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(health.record_request_failure(settings, Failure::ConnectRefused, 0, kStart), std::nullopt);
    }
    EXPECT_FALSE(health.ejected(kStart));
}

TEST(MemberHealth, ActiveOfflineIsReportedFirst) {
    MemberHealth health("app", kEndpoint);
    health.set_active_status(OperatingStatus::Online);
    EXPECT_EQ(health.operating_status(kStart), OperatingStatus::Online);

    health.set_active_status(OperatingStatus::Offline);
    EXPECT_EQ(health.operating_status(kStart), OperatingStatus::Offline);
}

TEST(MemberHealth, ConcurrentFailuresEjectOnce) {
    MemberHealth health("app", kEndpoint);
    model::PassiveHealthCheck settings;
    settings.consecutive_failures = 3;
    std::atomic<int> ejections{0};

    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                if (health.record_request_failure(settings, Failure::ConnectRefused, 0, kStart)) {
                    ejections.fetch_add(1);
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }

    EXPECT_EQ(ejections.load(), 1);
    EXPECT_TRUE(health.ejected(kStart));
}

TEST(Failure, ReasonCodesOfTheApi) {
    EXPECT_EQ(reason_code(Failure::None), "");
    EXPECT_EQ(reason_code(Failure::ConnectRefused), "CONNECT_REFUSED");
    EXPECT_EQ(reason_code(Failure::ConnectTimeout), "CONNECT_TIMEOUT");
    EXPECT_EQ(reason_code(Failure::TlsHandshakeFailed), "SSL_HANDSHAKE_ERROR");
    EXPECT_EQ(reason_code(Failure::ReceiveTimeout), "RECV_RESPONSE_TIMEOUT");
    EXPECT_EQ(reason_code(Failure::MalformedResponse), "RESPONSE_FORMAT_ERROR");
    EXPECT_EQ(reason_code(Failure::StatusMismatch), "RESPONSE_MISMATCH");
    EXPECT_EQ(to_string(OperatingStatus::NoMonitor), "NO_MONITOR");
}

TEST(HealthRegistry, KeepsRecordsOfPublishedMembers) {
    HealthRegistry registry;
    auto first = registry.find_or_create("app", kEndpoint);
    EXPECT_NE(registry.find_or_create("app", kEndpoint), first);  // not published yet

    registry.publish({{"m1", first, "200"}});
    first->set_active_status(OperatingStatus::Offline);

    EXPECT_EQ(registry.find_or_create("app", kEndpoint), first);
    EXPECT_NE(registry.find_or_create("other", kEndpoint), first);
    auto report = registry.report("app", kEndpoint, kStart);
    ASSERT_TRUE(report);
    EXPECT_EQ(report->member_id, "m1");
    EXPECT_EQ(report->operating_status, OperatingStatus::Offline);
}

TEST(HealthRegistry, MemberAddedAgainStartsAfresh) {
    HealthRegistry registry;
    auto first = registry.find_or_create("app", kEndpoint);
    registry.publish({{"m1", first, ""}});
    first->set_active_status(OperatingStatus::Offline);

    registry.publish({});
    EXPECT_EQ(registry.report("app", kEndpoint, kStart), std::nullopt);
    auto again = registry.find_or_create("app", kEndpoint);

    EXPECT_NE(again, first);
    EXPECT_EQ(again->active_status(), OperatingStatus::NoMonitor);
}

TEST(HealthRegistry, ReportsTheMismatch) {
    HealthRegistry registry;
    auto probed = std::make_shared<MemberHealth>("app", kEndpoint);
    auto ejected = std::make_shared<MemberHealth>("app", tcp::endpoint(make_address("::1"), 8080));
    registry.publish({{"probed", probed, "200-299"}, {"ejected", ejected, ""}});

    probed->set_active_status(OperatingStatus::Offline);
    probed->set_last_failure(Failure::StatusMismatch, 500);
    model::PassiveHealthCheck settings;
    settings.consecutive_failures = 1;
    ejected->record_request_failure(settings, Failure::StatusMismatch, 503, kStart);

    const auto reports = registry.list(kStart);
    ASSERT_EQ(reports.size(), 2u);
    const auto& probed_report = reports[0].member_id == "probed" ? reports[0] : reports[1];
    const auto& ejected_report = reports[0].member_id == "probed" ? reports[1] : reports[0];
    EXPECT_EQ(probed_report.reason, Failure::StatusMismatch);
    EXPECT_EQ(probed_report.status_code, 500);
    EXPECT_EQ(probed_report.expected_codes, "200-299");
    EXPECT_EQ(ejected_report.operating_status, OperatingStatus::Offline);
    EXPECT_EQ(ejected_report.status_code, 503);
    EXPECT_EQ(ejected_report.expected_codes, "100-499");
}

TEST(HealthRegistry, OnlineMemberHasNoReason) {
    HealthRegistry registry;
    auto health = std::make_shared<MemberHealth>("app", kEndpoint);
    health->set_active_status(OperatingStatus::Online);
    health->set_last_failure(Failure::ConnectRefused);
    registry.publish({{"m1", health, ""}});

    auto report = registry.report("app", kEndpoint, kStart);
    ASSERT_TRUE(report);
    EXPECT_EQ(report->reason, Failure::None);
}

}  // namespace
}  // namespace tollgate::proxy::health
