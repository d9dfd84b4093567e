#include "proxy/health/member_health.h"

#include <algorithm>

namespace tollgate::proxy::health {

std::string_view to_string(OperatingStatus status) {
    switch (status) {
        case OperatingStatus::NoMonitor:
            return "NO_MONITOR";
        case OperatingStatus::Online:
            return "ONLINE";
        case OperatingStatus::Offline:
            return "OFFLINE";
    }
    return "NO_MONITOR";
}

std::string_view reason_code(Failure failure) {
    switch (failure) {
        case Failure::None:
            return "";
        case Failure::ConnectRefused:
            return "CONNECT_REFUSED";
        case Failure::ConnectTimeout:
            return "CONNECT_TIMEOUT";
        case Failure::ConnectFailed:
            return "CONNECT_FAILED";
        case Failure::TlsHandshakeFailed:
            return "SSL_HANDSHAKE_ERROR";
        case Failure::SendFailed:
            return "SEND_REQUEST_FAILED";
        case Failure::SendTimeout:
            return "SEND_REQUEST_TIMEOUT";
        case Failure::ReceiveFailed:
            return "RECV_RESPONSE_FAILED";
        case Failure::ReceiveTimeout:
            return "RECV_RESPONSE_TIMEOUT";
        case Failure::MalformedResponse:
            return "RESPONSE_FORMAT_ERROR";
        case Failure::StatusMismatch:
            return "RESPONSE_MISMATCH";
    }
    return "";
}

std::string_view describe(Failure failure) {
    switch (failure) {
        case Failure::None:
            return "";
        case Failure::ConnectRefused:
            return "connection refused";
        case Failure::ConnectTimeout:
            return "connect timed out";
        case Failure::ConnectFailed:
            return "connect failed";
        case Failure::TlsHandshakeFailed:
            return "TLS handshake failed";
        case Failure::SendFailed:
            return "sending the request failed";
        case Failure::SendTimeout:
            return "sending the request timed out";
        case Failure::ReceiveFailed:
            return "reading the response failed";
        case Failure::ReceiveTimeout:
            return "no response in time";
        case Failure::MalformedResponse:
            return "invalid response";
        case Failure::StatusMismatch:
            return "unexpected status";
    }
    return "";
}

std::optional<OperatingStatus> ProbeCounter::record(bool healthy, OperatingStatus current) {
    if (healthy) {
        failures_ = 0;
        ++successes_;
        if (current == OperatingStatus::Offline && successes_ >= rise_) {
            successes_ = 0;
            return OperatingStatus::Online;
        }
        return std::nullopt;
    }
    successes_ = 0;
    ++failures_;
    if (current != OperatingStatus::Offline && failures_ >= fall_) {
        failures_ = 0;
        return OperatingStatus::Offline;
    }
    return std::nullopt;
}

std::chrono::seconds ejection_duration(const model::PassiveHealthCheck& settings, std::uint32_t ejections) {
    std::chrono::seconds duration = settings.ejection_time;
    for (std::uint32_t i = 1; i < ejections && duration < settings.max_ejection_time; ++i) {
        duration *= 2;
    }
    return std::min(duration, settings.max_ejection_time);
}

std::optional<Clock::time_point> MemberHealth::ejected_until() const {
    const Clock::rep until = ejected_until_.load(std::memory_order_relaxed);
    if (until == 0) {
        return std::nullopt;
    }
    return Clock::time_point(Clock::duration(until));
}

OperatingStatus MemberHealth::operating_status(Clock::time_point now) const {
    if (ejected(now)) {
        return OperatingStatus::Offline;
    }
    return active_status();
}

std::optional<Ejection> MemberHealth::record_request_failure(const model::PassiveHealthCheck& settings,
                                                             Failure failure, int status_code,
                                                             Clock::time_point now) {
    if (!settings.enable) {
        return std::nullopt;
    }
    const Clock::rep now_ticks = now.time_since_epoch().count();
    Clock::rep until = ejected_until_.load(std::memory_order_relaxed);
    if (until > now_ticks) {
        return std::nullopt;  // a request sent before the ejection; the member is out already
    }
    if (active_status() != OperatingStatus::Offline) {
        set_last_failure(failure, status_code);
    }

    const std::uint32_t failures = request_failures_.fetch_add(1, std::memory_order_relaxed) + 1;
    const std::uint32_t ejections = ejections_.load(std::memory_order_relaxed);
    const bool on_probation = ejections > 0;
    if (!on_probation && failures < static_cast<std::uint32_t>(settings.consecutive_failures)) {
        return std::nullopt;
    }

    // Several workers may reach the threshold at once; the one whose exchange succeeds ejects.
    const Ejection ejection{ejection_duration(settings, ejections + 1), ejections + 1};
    const Clock::rep new_until =
        now_ticks + std::chrono::duration_cast<Clock::duration>(ejection.duration).count();
    if (!ejected_until_.compare_exchange_strong(until, new_until, std::memory_order_relaxed)) {
        return std::nullopt;
    }
    ejections_.store(ejection.ejections, std::memory_order_relaxed);
    request_failures_.store(0, std::memory_order_relaxed);
    return ejection;
}

void MemberHealth::record_request_success() {
    // Loads first, so that the usual case writes nothing to the shared cache line.
    if (request_failures_.load(std::memory_order_relaxed) != 0) {
        request_failures_.store(0, std::memory_order_relaxed);
    }
    if (ejections_.load(std::memory_order_relaxed) != 0) {
        ejections_.store(0, std::memory_order_relaxed);
    }
}

}  // namespace tollgate::proxy::health
