#include "proxy/upstream_pool.h"

#include <sys/socket.h>

#include <cerrno>

namespace tollgate::proxy {
namespace {

// A pooled connection is reusable when the backend has neither closed it nor sent bytes
// that no request asked for.
bool still_usable(boost::asio::ip::tcp::socket& socket) {
    char byte = 0;
    ssize_t peeked = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

std::optional<boost::asio::ip::tcp::socket> UpstreamPool::take(
    const boost::asio::ip::tcp::endpoint& endpoint) {
    auto found = idle_.find(endpoint);
    if (found == idle_.end()) {
        return std::nullopt;
    }
    auto& sockets = found->second;
    while (!sockets.empty()) {
        boost::asio::ip::tcp::socket socket = std::move(sockets.back());
        sockets.pop_back();
        if (still_usable(socket)) {
            return socket;
        }
        boost::system::error_code ignored;
        socket.close(ignored);
    }
    return std::nullopt;
}

void UpstreamPool::give_back(const boost::asio::ip::tcp::endpoint& endpoint,
                             boost::asio::ip::tcp::socket socket) {
    auto& sockets = idle_[endpoint];
    if (sockets.size() >= kMaxIdlePerBackend) {
        boost::system::error_code ignored;
        socket.close(ignored);
        return;
    }
    sockets.push_back(std::move(socket));
}

void UpstreamPool::clear() {
    idle_.clear();
}

}  // namespace tollgate::proxy
