#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <vector>

namespace tollgate::proxy {

// Idle keep-alive connections to backends, per worker. Only the worker's thread uses it.
class UpstreamPool {
public:
    static constexpr std::size_t kMaxIdlePerBackend = 64;

    // Returns an idle connection to `endpoint` that is still open, or nothing.
    std::optional<boost::asio::ip::tcp::socket> take(const boost::asio::ip::tcp::endpoint& endpoint);

    // Keeps `socket` for reuse; closes it when the backend already has enough idle ones.
    void give_back(const boost::asio::ip::tcp::endpoint& endpoint, boost::asio::ip::tcp::socket socket);

    // Closes every idle connection.
    void clear();

private:
    std::map<boost::asio::ip::tcp::endpoint, std::vector<boost::asio::ip::tcp::socket>> idle_;
};

}  // namespace tollgate::proxy
