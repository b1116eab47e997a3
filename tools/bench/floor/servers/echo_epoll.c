#define _GNU_SOURCE // accept4
// The kernel floor of the server_echo rows: a single-threaded level-triggered epoll echo server (gnet's shape) with
// no work in user space beyond recv and send. Not product code: run by ../run.sh.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#define BUFSZ 16384
int main(int argc, char** argv)
{
    int port = atoi(argv[1]);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001)};
    if (bind(lfd, (void*)&a, sizeof a) || listen(lfd, 4096))
    {
        perror("listen");
        return 1;
    }
    int                ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd}, evs[256];
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    static char buf[BUFSZ];
    for (;;)
    {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++)
        {
            int fd = evs[i].data.fd;
            if (fd == lfd)
            {
                int c;
                while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
                {
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event e = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
                }
                continue;
            }
            ssize_t r = recv(fd, buf, BUFSZ, 0);
            if (r <= 0)
            {
                close(fd);
                continue;
            }
            send(fd, buf, r, 0);
        }
    }
}
