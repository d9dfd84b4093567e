#pragma once

// What the control plane needs from the data plane: apply a new configuration in two steps,
// so that a store commit can sit between them and a failure on either side changes nothing.

#include "core/error.h"
#include "model/resources.h"

#include <memory>

namespace tollgate::control {

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
};

}  // namespace tollgate::control
