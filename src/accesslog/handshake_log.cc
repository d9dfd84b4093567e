#include "accesslog/handshake_log.h"

namespace tollgate::accesslog {

bool HandshakeLog::record(const HandshakeRejection& rejection, std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mutex_);
    Key key{rejection.listener_id, rejection.client_address, rejection.reason};
    auto [window, created] = windows_.try_emplace(key, Window{now, 0});
    if (created) {
        return true;
    }
    if (now - window->second.started >= window_ && window->second.repeats == 0) {
        // The window ended without repeats, and no summary is due: start a new one.
        window->second.started = now;
        return true;
    }
    ++window->second.repeats;
    return false;
}

std::vector<RepeatSummary> HandshakeLog::take_summaries(std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mutex_);
    std::vector<RepeatSummary> summaries;
    for (auto it = windows_.begin(); it != windows_.end();) {
        if (now - it->second.started < window_) {
            ++it;
            continue;
        }
        if (it->second.repeats > 0) {
            const auto& [listener_id, client_address, reason] = it->first;
            summaries.push_back({{listener_id, client_address, reason}, it->second.repeats, window_});
        }
        it = windows_.erase(it);
    }
    return summaries;
}

}  // namespace tollgate::accesslog
