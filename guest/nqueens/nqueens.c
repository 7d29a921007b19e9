/*
 * nqueens: counts the ways to place n non-attacking queens on an n x n board, by plain recursive
 * backtracking over rows (branchy, call-heavy code).
 *
 *   nqueens(n)   n = 1..16; the known counts: 1, 0, 0, 2, 10, 4, 40, 92, 352, 724, 2680, 14200, 73712, ...
 *                (0xffffffff for n outside 1..16)
 */
#include <stdbool.h>

#include "polkavm.h"

#define MAX_N 16

struct board {
    uint32_t n;
    bool column_used[MAX_N];
    bool diagonal_used[2 * MAX_N - 1];      /* row + column */
    bool anti_diagonal_used[2 * MAX_N - 1]; /* row - column + n - 1 */
};

static uint32_t place(struct board *b, uint32_t row) {
    if (row == b->n)
        return 1;
    uint32_t solutions = 0;
    for (uint32_t column = 0; column < b->n; column++) {
        uint32_t d = row + column;
        uint32_t a = row - column + b->n - 1;
        if (b->column_used[column] || b->diagonal_used[d] || b->anti_diagonal_used[a])
            continue;
        b->column_used[column] = b->diagonal_used[d] = b->anti_diagonal_used[a] = true;
        solutions += place(b, row + 1);
        b->column_used[column] = b->diagonal_used[d] = b->anti_diagonal_used[a] = false;
    }
    return solutions;
}

static uint32_t nqueens(uint32_t n) {
    if (n < 1 || n > MAX_N)
        return 0xffffffffu;
    struct board b = {0};
    b.n = n;
    return place(&b, 0);
}
POLKAVM_EXPORT(uint32_t, nqueens, uint32_t);
