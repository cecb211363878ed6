/* The systems lua-sops builds on, and which of their ways it takes where
 * POSIX.1-2008 leaves a gap. Included before any other header by every
 * file that calls the system: feature-test macros count only there.
 *
 * SOPS_LINUX: Linux (glibc, musl). Their headers show nothing beyond ISO C
 * under -std=c99 unless asked, so POSIX.1-2008 is asked for and no more:
 * the GNU extensions stay hidden, and a call to one fails the build.
 * SOPS_BSD: macOS, FreeBSD, OpenBSD, NetBSD, DragonFly. Their headers show
 * POSIX and their own extensions by default, and a _POSIX_C_SOURCE there
 * would hide what lua-sops needs beyond it (SO_NOSIGPIPE, SIGWINCH,
 * kqueue, arc4random_buf), so none is defined.
 * Anywhere else neither is set, and only POSIX is used.
 *
 * SOPS_FORCE_PORTABLE (`make portable`) takes the BSD ways on Linux, so
 * that CI builds and runs them: glibc's BSD extensions are shown
 * (_DEFAULT_SOURCE: arc4random_buf), and kqueue comes from a stand-in on
 * the include path (tools/portable/include/sys/event.h). */
#ifndef SOPS_PLATFORM_H
#define SOPS_PLATFORM_H

#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__) || \
    defined(__DragonFly__)
#define SOPS_BSD 1
#elif defined(SOPS_FORCE_PORTABLE)
#define SOPS_BSD 1
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1
#else
#define _POSIX_C_SOURCE 200809L
#ifdef __linux__
#define SOPS_LINUX 1
#endif
#endif

#endif
