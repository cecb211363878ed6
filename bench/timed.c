/* For bench/startup.lua: runs a command once, its standard streams on
 * /dev/null, and prints its wall time, user CPU and system CPU in
 * microseconds (clock_gettime and wait4's rusage: the child's own, with
 * the resolution a shell's `time` rounds away). Exits 1 when the command
 * could not run or did not exit 0. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long us(struct timeval t)
{
    return (long long)t.tv_sec * 1000000 + t.tv_usec;
}

int main(int argc, char **argv)
{
    struct timespec t0, t1;
    struct rusage ru;
    int status;
    pid_t pid;
    if (argc < 2) {
        fprintf(stderr, "usage: timed COMMAND [ARG...]\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
        }
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) != pid) {
        perror("wait4");
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%lld %lld %lld\n",
           (long long)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000,
           us(ru.ru_utime), us(ru.ru_stime));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
