#pragma once

#include <string_view>

namespace tollgate::tls {

// Client certificate mode of a listener. Mandatory rejects a handshake without a valid
// certificate. Optional accepts a client without one but still rejects an invalid one.
enum class ClientAuth { None, Optional, Mandatory };

inline std::string_view to_string(ClientAuth mode) {
    switch (mode) {
        case ClientAuth::None:
            return "none";
        case ClientAuth::Optional:
            return "optional";
        case ClientAuth::Mandatory:
            return "mandatory";
    }
    return "none";
}

}  // namespace tollgate::tls
