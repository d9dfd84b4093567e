#pragma once

// What the control plane needs from the data plane: apply a new configuration in two steps,
// so that a store commit can sit between them and a failure on either side changes nothing.

#include "core/error.h"
#include "model/resources.h"

#include <cstdint>
#include <memory>
#include <string>

namespace tollgate::control {

// The health of one member in the running data plane, in the terms of the ELB API.
struct MemberHealth {
    std::string operating_status = "NO_MONITOR";  // ONLINE, OFFLINE or NO_MONITOR
    // When OFFLINE: why, as an ELB reason_code such as CONNECT_REFUSED; else empty.
    std::string reason_code;
    // For RESPONSE_MISMATCH: the status codes that would have passed, and the one received.
    std::string expected_response;
    std::string healthcheck_response;
};

// Everything a configuration needs before it can run (TLS contexts, balancers, listening
// sockets), built but not yet in use. Destroying it unpublished releases what it holds,
// closing the sockets it opened.
class PreparedChange {
public:
    virtual ~PreparedChange() = default;
};

class DataPlane {
public:
    virtual ~DataPlane() = default;

    // Builds what `config` needs without changing what runs. Fails with
    // ErrorKind::InvalidInput when the configuration does not compile (the message names the
    // resource the way the configuration loader does: `listeners[<id>].<field>: ...`) and with
    // ErrorKind::Conflict when a listener's address and port is held by another process.
    virtual core::Result<std::unique_ptr<PreparedChange>> prepare(const model::Config& config) = 0;

    // Makes a prepared change the running configuration. Listeners that the change no longer
    // has close their ports; open connections carry on with the configuration they started with.
    virtual void publish(std::unique_ptr<PreparedChange> change) = 0;

    // Returns the health of the member `address`:`port` of pool `pool_id` in the running
    // configuration. A member that does not run yet, and a data plane without health
    // checks, report NO_MONITOR.
    virtual MemberHealth member_health(const std::string& pool_id, const std::string& address,
                                       std::uint16_t port) const {
        (void)pool_id;
        (void)address;
        (void)port;
        return {};
    }
};

}  // namespace tollgate::control
