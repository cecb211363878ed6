/* A stand-in for <sys/event.h> on Linux, for `make portable` only: the part
 * of kqueue(2) that lua-sops uses (EVFILT_SIGNAL), made of a signalfd, so
 * that CI builds and runs the code written for macOS and the BSDs.
 *
 * Where it differs from a kqueue: a watched signal is blocked here (a
 * signalfd sees only pending signals), where a kqueue sees it whatever its
 * action; the signals of one kevent call's changelist replace those the
 * descriptor watches (lua-sops registers all of a kqueue's signals in one
 * call); deliveries are not merged into one event with a count. */
#ifndef SOPS_STANDIN_SYS_EVENT_H
#define SOPS_STANDIN_SYS_EVENT_H

#ifndef __linux__
#error "tools/portable/include is make portable's stand-in on Linux: build with the system's <sys/event.h>"
#endif

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define EVFILT_SIGNAL (-6)
#define EV_ADD 0x0001
#define EV_ERROR 0x4000

struct kevent {
    uintptr_t ident;
    short filter;
    unsigned short flags;
    unsigned int fflags;
    intptr_t data;
    void *udata;
};

#define EV_SET(kevp, a, b, c, d, e, f)       \
    do {                                     \
        struct kevent *standin_kev_ = (kevp); \
        standin_kev_->ident = (a);           \
        standin_kev_->filter = (b);          \
        standin_kev_->flags = (c);           \
        standin_kev_->fflags = (d);          \
        standin_kev_->data = (e);            \
        standin_kev_->udata = (f);           \
    } while (0)

static inline int kqueue(void)
{
    sigset_t none;
    sigemptyset(&none);
    return signalfd(-1, &none, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* The changes (EV_ADD of EVFILT_SIGNAL only): each signal is blocked, and
 * any instance already pending dropped (a kqueue sees only those sent after
 * it watches). Then up to nevents signals, waiting up to timeout (NULL: no
 * bound) for the first; -1 with EINTR when a handled signal came first. */
static inline int kevent(int kq, const struct kevent *changes, int nchanges, struct kevent *events, int nevents,
                         const struct timespec *timeout)
{
    struct signalfd_siginfo info;
    struct pollfd p;
    int i, n = 0, ms = -1;
    if (nchanges > 0) {
        sigset_t watch;
        struct timespec zero = {0, 0};
        sigemptyset(&watch);
        for (i = 0; i < nchanges; i++) {
            sigset_t one;
            if (changes[i].filter != EVFILT_SIGNAL || !(changes[i].flags & EV_ADD)) {
                errno = EINVAL;
                return -1;
            }
            sigemptyset(&one);
            sigaddset(&one, (int)changes[i].ident);
            sigaddset(&watch, (int)changes[i].ident);
            if (sigprocmask(SIG_BLOCK, &one, NULL) != 0)
                return -1;
            while (sigtimedwait(&one, NULL, &zero) > 0)
                ;
        }
        if (signalfd(kq, &watch, 0) < 0)
            return -1;
    }
    if (nevents <= 0)
        return 0;
    if (timeout) {
        long long t = (long long)timeout->tv_sec * 1000 + (timeout->tv_nsec + 999999) / 1000000;
        ms = t > INT_MAX ? INT_MAX : (int)t;
    }
    p.fd = kq;
    p.events = POLLIN;
    p.revents = 0;
    if (poll(&p, 1, ms) < 0)
        return -1;
    while (n < nevents && read(kq, &info, sizeof info) == (ssize_t)sizeof info) {
        EV_SET(&events[n], info.ssi_signo, EVFILT_SIGNAL, 0, 0, 1, 0);
        n++;
    }
    return n;
}

#endif
