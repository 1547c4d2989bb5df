#define _GNU_SOURCE
#include <string.h>

#include "myelon/error.h"

const char *myl_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
#define MYL__ERR_MSG(name, value, msg)                                                             \
    case MYL_##name:                                                                               \
        return msg;
        MYL_ERROR_TABLE(MYL__ERR_MSG)
#undef MYL__ERR_MSG
    default:
        break;
    }
    if (err < 0 && err > MYL_EBASE)
        return strerror(-err);
    return "unknown error";
}

const char *myl_errname(int err)
{
    switch (err) {
    case 0:
        return "OK";
#define MYL__ERR_NAME(name, value, msg)                                                            \
    case MYL_##name:                                                                               \
        return "MYL_" #name;
        MYL_ERROR_TABLE(MYL__ERR_NAME)
#undef MYL__ERR_NAME
    default:
        break;
    }
#ifdef __GLIBC__
    if (err < 0 && err > MYL_EBASE) {
        const char *n = strerrorname_np(-err);
        if (n)
            return n;
    }
#endif
    return "UNKNOWN";
}
