#pragma once

#include <cstdio>
#include <cstdlib>

// Aborts with the failed condition when an invariant that must hold in every build is broken.
#define TG_CHECK(condition)                                                                    \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                      \
        }                                                                                      \
    } while (false)
