#pragma once

#include "proxy/snapshot.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace tollgate::proxy {

class Worker;

// Serves one accepted client connection until it closes: the TLS handshake for HTTPS
// listeners, then HTTP/1.1 requests forwarded to the listener's pool. Runs on the worker's
// thread; `snapshot` is the configuration the connection started with.
boost::asio::awaitable<void> serve_connection(Worker& worker, boost::asio::ip::tcp::socket socket,
                                              std::shared_ptr<const Snapshot> snapshot,
                                              const ListenerRuntime* listener);

}  // namespace tollgate::proxy
