// The kernel floor of the server_echo rows: a single-threaded io_uring echo server with no work in user space
// beyond the ring (one submit-and-wait per loop turn for every connection's recv or send). Not product code: run by ../run.sh.
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum
{
    OP_ACCEPT = 1,
    OP_RECV   = 2,
    OP_SEND   = 3
};
#define MAXC  65536
#define BUFSZ 16384
static char*           bufs[MAXC];
static struct io_uring ring;

static struct io_uring_sqe* sqe(void)
{
    struct io_uring_sqe* s = io_uring_get_sqe(&ring);
    if (!s)
    {
        io_uring_submit(&ring);
        s = io_uring_get_sqe(&ring);
    }
    return s;
}
static void arm_recv(int fd)
{
    struct io_uring_sqe* s = sqe();
    io_uring_prep_recv(s, fd, bufs[fd], BUFSZ, 0);
    io_uring_sqe_set_data64(s, ((uint64_t)fd << 8) | OP_RECV);
}
static void arm_send(int fd, int n)
{
    struct io_uring_sqe* s = sqe();
    io_uring_prep_send(s, fd, bufs[fd], n, 0);
    io_uring_sqe_set_data64(s, ((uint64_t)fd << 8) | OP_SEND);
}
static void arm_accept(int lfd)
{
    struct io_uring_sqe* s = sqe();
    io_uring_prep_multishot_accept(s, lfd, NULL, NULL, 0);
    io_uring_sqe_set_data64(s, OP_ACCEPT);
}
int main(int argc, char** argv)
{
    int port = atoi(argv[1]);
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001)};
    if (bind(lfd, (void*)&a, sizeof a) || listen(lfd, 4096))
    {
        perror("listen");
        return 1;
    }
    struct io_uring_params p = {0};
    p.flags                  = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_COOP_TASKRUN;
    if (io_uring_queue_init_params(4096, &ring, &p))
    {
        perror("uring");
        return 1;
    }
    arm_accept(lfd);
    for (;;)
    {
        io_uring_submit_and_wait(&ring, 1);
        struct io_uring_cqe* c;
        unsigned             head, n = 0;
        io_uring_for_each_cqe(&ring, head, c)
        {
            n++;
            uint64_t d  = io_uring_cqe_get_data64(c);
            int      fd = (int)(d >> 8);
            switch (d & 0xff)
            {
                case OP_ACCEPT:
                    if (c->res >= 0)
                    {
                        int cfd = c->res;
                        setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                        if (!bufs[cfd])
                            bufs[cfd] = malloc(BUFSZ);
                        arm_recv(cfd);
                    }
                    if (!(c->flags & IORING_CQE_F_MORE))
                        arm_accept(lfd);
                    break;
                case OP_RECV:
                    if (c->res <= 0)
                        close(fd);
                    else
                        arm_send(fd, c->res);
                    break;
                case OP_SEND:
                    if (c->res < 0)
                        close(fd);
                    else
                        arm_recv(fd);
                    break;
            }
        }
        io_uring_cq_advance(&ring, n);
    }
}
