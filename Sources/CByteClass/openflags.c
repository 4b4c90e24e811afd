/* The flag of open(2) that Swift's Glibc module does not show (it is defined only with _GNU_SOURCE). */
#define _GNU_SOURCE
#include <fcntl.h>
#include "byteclass.h"

int copydesk_o_direct(void) {
#ifdef O_DIRECT
    return O_DIRECT;
#else
    return 0;
#endif
}
