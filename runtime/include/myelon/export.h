/* Symbol visibility for libmyelon's public API. */
#ifndef MYELON_EXPORT_H
#define MYELON_EXPORT_H

#if defined(MYELON_BUILDING) && defined(__GNUC__)
#define MYL_API __attribute__((visibility("default")))
#else
#define MYL_API
#endif

#endif
