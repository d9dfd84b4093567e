#pragma once

#include <string_view>

namespace tollgate::tls {

// How a listener treats client certificates. Mandatory refuses a handshake without a valid
// certificate; Optional accepts a client without one but still refuses an invalid one.
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
