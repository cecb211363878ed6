#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"

#define SOPS_RANDOM_MAX 64 /* bytes a call may ask for */

#ifdef SOPS_BSD
/* Fills buf with n random bytes: arc4random_buf, the kernel's CSPRNG
 * through the C library (macOS, the BSDs; glibc 2.36 for make portable),
 * which needs no descriptor and cannot fail. Always 0. */
#define RANDOM_SOURCE "arc4random_buf"
static int random_bytes(unsigned char *buf, size_t n)
{
    arc4random_buf(buf, n);
    return 0;
}
#else
/* Fills buf with n bytes of /dev/urandom (the kernel's CSPRNG, which never
 * blocks once seeded); 0 on success, else an errno value. */
#define RANDOM_SOURCE "/dev/urandom"
static int random_bytes(unsigned char *buf, size_t n)
{
    size_t got = 0;
    int e = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r > 0) {
            got += (size_t)r;
        } else if (r < 0 && errno == EINTR) {
            continue;
        } else {
            e = r < 0 ? errno : EIO;
            break;
        }
    }
    close(fd);
    return e;
}
#endif

int sops_random_hex(lua_State *L)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char raw[SOPS_RANDOM_MAX];
    char hex[2 * SOPS_RANDOM_MAX];
    lua_Integer n = luaL_checkinteger(L, 1);
    size_t i;
    int e;
    luaL_argcheck(L, n >= 1 && n <= SOPS_RANDOM_MAX, 1, "1 to 64 bytes expected");
    e = random_bytes(raw, (size_t)n);
    if (e != 0) {
        memset(raw, 0, sizeof raw);
        lua_pushnil(L);
        lua_pushfstring(L, "no random bytes from " RANDOM_SOURCE ": %s", strerror(e));
        return 2;
    }
    for (i = 0; i < (size_t)n; i++) {
        hex[2 * i] = digits[raw[i] >> 4];
        hex[2 * i + 1] = digits[raw[i] & 15];
    }
    lua_pushlstring(L, hex, 2 * (size_t)n);
    memset(raw, 0, sizeof raw);
    memset(hex, 0, sizeof hex);
    return 1;
}

int sops_secret_equal(lua_State *L)
{
    size_t la, lb, i;
    const unsigned char *a = (const unsigned char *)luaL_checklstring(L, 1, &la);
    const unsigned char *b = (const unsigned char *)luaL_checklstring(L, 2, &lb);
    /* every byte of b is looked at whatever a holds: the time tells #b only,
     * which is public (tokens have one length) */
    unsigned diff = la != lb;
    for (i = 0; i < lb; i++)
        diff |= (unsigned)(b[i] ^ (i < la ? a[i] : 0));
    lua_pushboolean(L, diff == 0);
    return 1;
}
