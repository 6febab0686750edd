/*
 * Compiled month loop of rate-dependent pools (hedge_planner.models._mbs_c).
 *
 * models/mbs_months.py and models/mbs_stack.py project pools month by month on numpy slabs
 * (about thirty array operations a month, each a pass over the slab). This function runs the
 * same month's formulas for one lane (a rate row and a pool) path by path, in one pass, with the
 * GIL released (the pricers' thread pools then use every core):
 *
 *   project_lanes   A[l, m] = disc[row, col] * sum_p flow[p, m] * factor[fac, col, p]
 *   mortgage_rates  the paths' mortgage rates off their 1-10y bond prices, every scenario
 *   adjoint_pools   the base scenario's reverse-month adjoint of pools (their KRDs' gradient)
 *
 * per lane l = (row, fac, pool), col the pool's payment column of month m. Per path and month,
 * in the numpy code's order (models/mbs_months.py):
 *
 *   inc = wac - rate;  lock = max(min(inc, 0) (t slope) + t, t floor)
 *   S = refi_max / (pool_exp rate_exp + 1);  burn = exp(exposure k_burn);  exposure += max(inc, 0)
 *   cpr = min((S burn + lock) ramp, 0.99);  q = exp(log1p(-cpr) / 12) (1 - sched)
 *   flow = (1 + coupon - q) bal;  bal *= q
 *
 * exp and log1p are this file's own (hp_exp, hp_log1p: range reduction and polynomials, within
 * about 2 ulp of the correctly rounded values on the domains used here; branch-free, so the path
 * loop vectorises). The sum over paths runs in eight interleaved partial sums. Figures therefore
 * agree with the numpy engine to rounding (about 1e-15 relative per lane-month), not bit for bit
 * (tests compare them).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(HP_NO_CLONES)
/* AVX-512 and AVX2 builds of the path loop beside the baseline one, chosen at load time (on the
 * development machine the example's lanes take 0.29 s with AVX-512, 0.47 s with AVX2, 0.80 s
 * with the baseline SSE2) */
#if __GNUC__ >= 11
#define HP_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define HP_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#else
#define HP_CLONES
#endif

static inline double bits_to_double(int64_t b) {
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static inline int64_t double_to_bits(double d) {
    int64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* The path loops below (exp, log1p, a month of a lane, the adjoint's passes) let GCC fuse a
 * multiply and an add where the target has FMA (the AVX2 and AVX-512 clones): about a third
 * faster, and each fused step rounds once instead of twice. Their figures agree with the numpy
 * loops to rounding either way. The mortgage-rate pass further down stays unfused (it gives
 * numpy's figures bit for bit). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast")
#endif

/* exp(x) for x in [-708, 709] (clamped there): x = k ln2 + r, |r| <= ln2 / 2, e^r by its
 * Taylor polynomial to r^12 (truncation below 1e-19 relative), times 2^k built in the exponent
 * bits. */
static inline double hp_exp(double x) {
    const double log2e = 1.4426950408889634, ln2_hi = 6.93147180369123816490e-01,
                 ln2_lo = 1.90821492927058770002e-10, shifter = 6755399441055744.0; /* 1.5 2^52 */
    x = x < -708.0 ? -708.0 : x;
    x = x > 709.0 ? 709.0 : x;
    double kd = x * log2e + shifter; /* k in the low bits of kd */
    int64_t k_bits = double_to_bits(kd);
    kd -= shifter;
    double r = (x - kd * ln2_hi) - kd * ln2_lo;
    double p = 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    int64_t scale = (k_bits - double_to_bits(shifter) + 1023) << 52;
    return p * bits_to_double(scale);
}

/* log1p(x) for x in (-1, 0] (a CPR's complement: x = -cpr, cpr <= 0.99): u = 1 + x split into
 * 2^e m with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(f), f = (m - 1) / (m + 1) (series to
 * f^21, truncation below 1e-18), plus the rounding of 1 + x put back: (x - (u - 1)) / u. */
static inline double hp_log1p(double x) {
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10,
                 sqrt2 = 1.4142135623730951, two52 = 4503599627370496.0;
    double u = 1.0 + x;
    double fix = (x - (u - 1.0)) / u;
    int64_t bits = double_to_bits(u);
    int64_t field = bits >> 52; /* u > 0: no sign bit */
    double m = bits_to_double((bits & INT64_C(0x000FFFFFFFFFFFFF)) | INT64_C(0x3FF0000000000000));
    field = m > sqrt2 ? field + 1 : field; /* (64-bit selects only: the loop vectorises) */
    m = m > sqrt2 ? m * 0.5 : m;
    double e = bits_to_double(field | INT64_C(0x4330000000000000)) - (two52 + 1023.0);
    double f = (m - 1.0) / (m + 1.0), s = f * f;
    double p = 2.0 / 21.0;
    p = p * s + 2.0 / 19.0;
    p = p * s + 2.0 / 17.0;
    p = p * s + 2.0 / 15.0;
    p = p * s + 2.0 / 13.0;
    p = p * s + 2.0 / 11.0;
    p = p * s + 2.0 / 9.0;
    p = p * s + 2.0 / 7.0;
    p = p * s + 2.0 / 5.0;
    p = p * s + 2.0 / 3.0;
    double log_m = 2.0 * f + f * (s * p);
    return e * ln2_hi + ((log_m + e * ln2_lo) + fix);
}

typedef struct {
    double slope, floor_, refi_max, k_burn;
} Refi;

/* Pool-month terms of one lane's month, as the month step takes them. */
typedef struct {
    double wac, pool_exp, t, ts, tf, ramp, osr, opc;
} Month;

/* One path's month: the burnout factor and the capped CPR (written), the balance kept
 * q = (1 - CPR)^(1/12) (1 - scheduled rate) (returned); the burnout exposure advances. */
static inline double path_month(Month mo, Refi rf, double rate, double rexp, double *expo,
                                double *burn_out, double *cpr_out) {
    double inc = mo.wac - rate;
    double lock = inc < 0.0 ? inc : 0.0;
    lock *= mo.ts;
    lock += mo.t;
    lock = lock > mo.tf ? lock : mo.tf;
    double s = mo.pool_exp * rexp;
    s += 1.0;
    s = rf.refi_max / s;
    double burn = hp_exp(*expo * rf.k_burn);
    *expo += inc > 0.0 ? inc : 0.0;
    double cpr = s * burn;
    cpr += lock;
    cpr *= mo.ramp;
    cpr = cpr < 0.99 ? cpr : 0.99;
    double q = hp_exp(hp_log1p(-cpr) * (1.0 / 12.0));
    *burn_out = burn;
    *cpr_out = cpr;
    return q * mo.osr;
}

/* One lane's month on every path: the month's formulas path by path (advancing the exposure
 * and balance of each path) and the sum over paths of flow x factor (before the discount).
 * The arrays do not overlap (restrict: the compiler vectorises the path loop without run-time
 * alias checks). */
static HP_CLONES double month_step(Py_ssize_t n_paths, const double *restrict rate,
                                   const double *restrict rexp, const double *restrict fac,
                                   Month mo, Refi rf, double *restrict expo,
                                   double *restrict bal, double *restrict prod) {
    for (Py_ssize_t p = 0; p < n_paths; p++) {
        double burn, cpr, q = path_month(mo, rf, rate[p], rexp[p], &expo[p], &burn, &cpr);
        double flow = (mo.opc - q) * bal[p];
        bal[p] *= q;
        prod[p] = flow * fac[p];
    }
    double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    Py_ssize_t p = 0;
    for (; p + 8 <= n_paths; p += 8)
        for (int k = 0; k < 8; k++) part[k] += prod[p + k];
    double sum = ((part[0] + part[4]) + (part[1] + part[5])) +
                 ((part[2] + part[6]) + (part[3] + part[7]));
    for (; p < n_paths; p++) sum += prod[p];
    return sum;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#include "_hp_buffers.h"

static int in_range(const int64_t *v, Py_ssize_t n, int64_t lo, int64_t hi, const char *name) {
    for (Py_ssize_t k = 0; k < n; k++) {
        if (v[k] < lo || v[k] >= hi) {
            PyErr_Format(PyExc_ValueError, "%s[%zd] = %lld is outside [%lld, %lld)", name, k,
                         (long long)v[k], (long long)lo, (long long)hi);
            return -1;
        }
    }
    return 0;
}

/* A pool book's terms as both entry points take them (eight consecutive arguments: wac,
 * pool_exp (b,); coupon, sched, ramp (b, M); turnover (M,); pay (b, M); stop (b,)), with every
 * payment column inside [0, n_times) and every stop inside [0, M]. Returns 0, or -1 with an
 * exception set. */
typedef struct {
    const double *wac, *pool_exp, *coupon, *sched, *ramp, *turnover;
    const int64_t *pay, *stop;
} Pools;

static int take_pools(Bufs *bs, PyObject **o, Py_ssize_t n_pools, Py_ssize_t n_months,
                      Py_ssize_t n_times, Pools *pl) {
    Py_ssize_t bm = n_pools * n_months;
    pl->wac = take(bs, o[0], n_pools, 8, 0, "wac");
    pl->pool_exp = take(bs, o[1], n_pools, 8, 0, "pool_exp");
    pl->coupon = take(bs, o[2], bm, 8, 0, "coupon");
    pl->sched = take(bs, o[3], bm, 8, 0, "sched");
    pl->ramp = take(bs, o[4], bm, 8, 0, "ramp");
    pl->turnover = take(bs, o[5], n_months, 8, 0, "turnover");
    pl->pay = take(bs, o[6], bm, 8, 0, "pay");
    pl->stop = take(bs, o[7], n_pools, 8, 0, "stop");
    if (bs->failed || in_range(pl->pay, bm, 0, n_times, "pay") < 0 ||
        in_range(pl->stop, n_pools, 0, n_months + 1, "stop") < 0)
        return -1;
    return 0;
}

PyDoc_STRVAR(
    project_lanes_doc,
    "project_lanes(rates, rate_exp, factor, disc, lane_row, lane_fac, lane_pool, wac,\n"
    "              pool_exp, coupon, sched, ramp, turnover, pay, stop, refi, out,\n"
    "              n_rows, n_months, n_paths, n_fac, n_times, n_pools, n_lanes)\n\n"
    "A (L, M) of lanes (row, factor row, pool), written into out: rates and rate_exp\n"
    "(U, M, P) month-major, factor (F, T, P), disc (U, T); per pool wac, pool_exp (b,),\n"
    "coupon (monthly), sched, ramp and pay (b, M), stop (b,) months projected; turnover (M,);\n"
    "refi = (lockin_slope, lockin_floor, refi_max, k_burn). Months from a pool's stop on are 0.");

static PyObject *project_lanes(PyObject *self, PyObject *args) {
    PyObject *o[17];
    Py_ssize_t n_rows, n_months, n_paths, n_fac, n_times, n_pools, n_lanes;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOOOOOOnnnnnnn", &o[0], &o[1], &o[2], &o[3], &o[4],
                          &o[5], &o[6], &o[7], &o[8], &o[9], &o[10], &o[11], &o[12], &o[13],
                          &o[14], &o[15], &o[16], &n_rows, &n_months, &n_paths, &n_fac, &n_times,
                          &n_pools, &n_lanes))
        return NULL;
    if (n_rows < 1 || n_months < 1 || n_paths < 1 || n_fac < 1 || n_times < 1 || n_pools < 1 ||
        n_lanes < 1) {
        PyErr_SetString(PyExc_ValueError, "every dimension must be positive");
        return NULL;
    }
    Bufs bs = {.n = 0, .failed = 0};
    Py_ssize_t upm = n_rows * n_months * n_paths;
    const double *rates = take(&bs, o[0], upm, 8, 0, "rates");
    const double *rate_exp = take(&bs, o[1], upm, 8, 0, "rate_exp");
    const double *factor =
        take(&bs, o[2], n_fac * n_times * n_paths, 8, 0, "factor");
    const double *disc = take(&bs, o[3], n_rows * n_times, 8, 0, "disc");
    const int64_t *lane_row = take(&bs, o[4], n_lanes, 8, 0, "lane_row");
    const int64_t *lane_fac = take(&bs, o[5], n_lanes, 8, 0, "lane_fac");
    const int64_t *lane_pool = take(&bs, o[6], n_lanes, 8, 0, "lane_pool");
    Pools pl;
    int pools_ok = take_pools(&bs, o + 7, n_pools, n_months, n_times, &pl);
    const double *refi = take(&bs, o[15], 4, 8, 0, "refi");
    double *out = take(&bs, o[16], n_lanes * n_months, 8, 1, "out");
    if (pools_ok < 0 || bs.failed || in_range(lane_row, n_lanes, 0, n_rows, "lane_row") < 0 ||
        in_range(lane_fac, n_lanes, 0, n_fac, "lane_fac") < 0 ||
        in_range(lane_pool, n_lanes, 0, n_pools, "lane_pool") < 0) {
        release(&bs);
        return NULL;
    }
    Refi rf = {refi[0], refi[1], refi[2], refi[3]};
    /* consecutive lanes of one (row, factor row) run month by month together: a month's rates
     * and factors are read once for all of them, not once per pool */
    Py_ssize_t group = 1, run = 1;
    for (Py_ssize_t l = 1; l < n_lanes; l++) {
        run = (lane_row[l] == lane_row[l - 1] && lane_fac[l] == lane_fac[l - 1]) ? run + 1 : 1;
        group = run > group ? run : group;
    }
    double *buf = (double *)malloc((2 * (size_t)group + 1) * (size_t)n_paths * sizeof(double));
    if (buf == NULL) {
        release(&bs);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS;
    double *prod = buf + 2 * (size_t)group * (size_t)n_paths;
    for (Py_ssize_t l0 = 0; l0 < n_lanes;) {
        Py_ssize_t l1 = l0 + 1;
        while (l1 < n_lanes && lane_row[l1] == lane_row[l0] && lane_fac[l1] == lane_fac[l0]) l1++;
        Py_ssize_t u = (Py_ssize_t)lane_row[l0], longest = 0;
        for (Py_ssize_t l = l0; l < l1; l++) {
            double *expo = buf + 2 * (l - l0) * n_paths, *bal = expo + n_paths;
            for (Py_ssize_t p = 0; p < n_paths; p++) {
                expo[p] = 0.0;
                bal[p] = 1.0;
            }
            Py_ssize_t n = (Py_ssize_t)pl.stop[lane_pool[l]];
            longest = n > longest ? n : longest;
            for (Py_ssize_t m = n; m < n_months; m++) out[l * n_months + m] = 0.0;
        }
        const double *rate_u = rates + u * n_months * n_paths;
        const double *rexp_u = rate_exp + u * n_months * n_paths;
        const double *fac_u = factor + lane_fac[l0] * n_times * n_paths;
        const double *disc_u = disc + u * n_times;
        for (Py_ssize_t m = 0; m < longest; m++) {
            double t = pl.turnover[m];
            for (Py_ssize_t l = l0; l < l1; l++) {
                Py_ssize_t b = (Py_ssize_t)lane_pool[l];
                if (m >= (Py_ssize_t)pl.stop[b]) continue;
                Py_ssize_t bm_ = b * n_months + m, col = (Py_ssize_t)pl.pay[bm_];
                Month mo = {pl.wac[b],           pl.pool_exp[b],        t,
                            t * rf.slope,        t * rf.floor_,         pl.ramp[bm_],
                            1.0 - pl.sched[bm_], 1.0 + pl.coupon[bm_]};
                double *expo = buf + 2 * (l - l0) * n_paths;
                double sum = month_step(n_paths, rate_u + m * n_paths, rexp_u + m * n_paths,
                                        fac_u + col * n_paths, mo, rf, expo, expo + n_paths, prod);
                out[l * n_months + m] = sum * disc_u[col];
            }
        }
        l0 = l1;
    }
    Py_END_ALLOW_THREADS;
    free(buf);
    release(&bs);
    Py_RETURN_NONE;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast")
#endif

/* Base-scenario forward pass of one pool on every path, keeping what the adjoint needs: per
 * month the burnout factor, the capped CPR and the beginning balance (M, P), and the sum over
 * paths of the beginning balance (sums, n + 1 entries). */
static HP_CLONES void keep_forward(Py_ssize_t n, Py_ssize_t n_paths, const double *restrict rates,
                                   const double *restrict rexp, const Month *restrict mo,
                                   Refi rf, double *restrict expo, double *restrict bal,
                                   double *restrict st_burn, double *restrict st_cpr,
                                   double *restrict st_bal, double *restrict sums) {
    for (Py_ssize_t p = 0; p < n_paths; p++) {
        expo[p] = 0.0;
        bal[p] = 1.0;
    }
    for (Py_ssize_t m = 0; m <= n; m++) {
        double total = 0.0;
        for (Py_ssize_t p = 0; p < n_paths; p++) total += bal[p];
        sums[m] = total;
        if (m == n) break;
        const double *rate = rates + m * n_paths, *rx = rexp + m * n_paths;
        double *sb = st_burn + m * n_paths, *sc = st_cpr + m * n_paths, *sl = st_bal + m * n_paths;
        Month o = mo[m];
        for (Py_ssize_t p = 0; p < n_paths; p++) {
            double burn, cpr, q = path_month(o, rf, rate[p], rx[p], &expo[p], &burn, &cpr);
            sb[p] = burn;
            sc[p] = cpr;
            sl[p] = bal[p];
            bal[p] *= q;
        }
    }
}

/* Terms of the reverse loop of one pool-month (models.mbs_months.adjoint's). */
typedef struct {
    double wac, pool_exp, one_plus_c, w_prev_scale, ramp_burn, ramp_width, lock_term;
    int has_prev;
} Back;

/* One month of the reverse loop on every path: advances R (balance sensitivities), D (burnout
 * sensitivities) and the weights w, writes dV/dI per path into g. */
static HP_CLONES void back_step(Py_ssize_t n_paths, const double *restrict rate,
                                const double *restrict rx, const double *restrict burn,
                                const double *restrict cpr, const double *restrict balm,
                                const double *restrict fac_prev, Back b, double refi_max,
                                double band_lo, double *restrict big_r, double *restrict big_d,
                                double *restrict w, double *restrict g) {
    const double inv_max = -1.0 / refi_max;
    for (Py_ssize_t p = 0; p < n_paths; p++) {
        double inc = b.wac - rate[p];
        double s = b.pool_exp * rx[p];
        s += 1.0;
        s = refi_max / s;
        double hb = w[p] * b.one_plus_c;
        double wp = b.has_prev ? fac_prev[p] * b.w_prev_scale : 0.0;
        hb = b.has_prev ? hb - wp : hb;
        hb *= balm[p];
        double lam = 1.0 - cpr[p];
        lam *= 12.0;
        lam = big_r[p] / lam;
        lam = -lam;
        lam = cpr[p] >= 0.99 ? 0.0 : lam; /* a capped CPR does not move */
        double sb = s * burn[p];
        double du = inc > 0.0 ? big_d[p] : 0.0;
        double tmp = lam * b.ramp_burn;
        tmp *= sb;
        big_d[p] += tmp;
        big_r[p] += hb;
        double x = s * inv_max;
        x += 1.0;
        x *= sb;
        x = (inc < 0.0 && inc > band_lo) ? x + b.lock_term : x;
        tmp = lam * b.ramp_width;
        tmp *= x;
        tmp += du;
        g[p] = tmp;
        w[p] = b.has_prev ? wp : w[p];
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

PyDoc_STRVAR(
    adjoint_pools_doc,
    "adjoint_pools(rates, rate_exp, factor, scale, drate, wac, pool_exp, coupon, sched, ramp,\n"
    "              turnover, pay, stop, refi, grad, principal, n_months, n_paths, n_times,\n"
    "              n_pools, n_keys)\n\n"
    "Base-scenario adjoint of b pools (models.mbs_months.adjoint): grad (b, K) the sum over\n"
    "paths and months of dV/dI x drate, V = sum flow x factor[pay] x scale; principal (b, M)\n"
    "the base scenario's principal summed over paths. rates, rate_exp (M, P); factor (T, P);\n"
    "scale (b, M); drate (K, M, P); pool terms as project_lanes'; refi = (lockin_slope,\n"
    "lockin_floor, refi_max, k_burn, refi_width). Months from a pool's stop on are 0.");

static PyObject *adjoint_pools(PyObject *self, PyObject *args) {
    PyObject *o[16];
    Py_ssize_t n_months, n_paths, n_times, n_pools, n_keys;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOOOOOnnnnn", &o[0], &o[1], &o[2], &o[3], &o[4],
                          &o[5], &o[6], &o[7], &o[8], &o[9], &o[10], &o[11], &o[12], &o[13],
                          &o[14], &o[15], &n_months, &n_paths, &n_times, &n_pools, &n_keys))
        return NULL;
    if (n_months < 1 || n_paths < 1 || n_times < 1 || n_pools < 1 || n_keys < 1) {
        PyErr_SetString(PyExc_ValueError, "every dimension must be positive");
        return NULL;
    }
    Bufs bs = {.n = 0, .failed = 0};
    Py_ssize_t mp = n_months * n_paths, bm = n_pools * n_months;
    const double *rates = take(&bs, o[0], mp, 8, 0, "rates");
    const double *rate_exp = take(&bs, o[1], mp, 8, 0, "rate_exp");
    const double *factor = take(&bs, o[2], n_times * n_paths, 8, 0, "factor");
    const double *scale = take(&bs, o[3], bm, 8, 0, "scale");
    const double *drate = take(&bs, o[4], n_keys * mp, 8, 0, "drate");
    Pools pl;
    int pools_ok = take_pools(&bs, o + 5, n_pools, n_months, n_times, &pl);
    const double *refi = take(&bs, o[13], 5, 8, 0, "refi");
    double *grad = take(&bs, o[14], n_pools * n_keys, 8, 1, "grad");
    double *principal = take(&bs, o[15], bm, 8, 1, "principal");
    if (pools_ok < 0 || bs.failed) {
        release(&bs);
        return NULL;
    }
    Refi rf = {refi[0], refi[1], refi[2], refi[3]};
    double width = refi[4], band_lo = (rf.floor_ - 1.0) / rf.slope;
    size_t np_ = (size_t)n_paths, nm = (size_t)n_months;
    double *buf = (double *)malloc((3 * nm * np_ + 6 * np_ + nm + 1) * sizeof(double));
    Month *mo = (Month *)malloc(nm * sizeof(Month));
    if (buf == NULL || mo == NULL) {
        free(buf);
        free(mo);
        release(&bs);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS;
    double *st_burn = buf, *st_cpr = st_burn + nm * np_, *st_bal = st_cpr + nm * np_;
    double *expo = st_bal + nm * np_, *bal = expo + np_, *big_r = bal + np_, *big_d = big_r + np_;
    double *w = big_d + np_, *g = w + np_, *sums = g + np_;
    for (Py_ssize_t b = 0; b < n_pools; b++) {
        Py_ssize_t n = (Py_ssize_t)pl.stop[b];
        const Py_ssize_t row = b * n_months;
        double *gb = grad + b * n_keys;
        for (Py_ssize_t k = 0; k < n_keys; k++) gb[k] = 0.0;
        for (Py_ssize_t m = 0; m < n_months; m++) principal[row + m] = 0.0;
        if (n == 0) continue;
        for (Py_ssize_t m = 0; m < n; m++) {
            double t = pl.turnover[m];
            Month x = {pl.wac[b],     pl.pool_exp[b], t, t * rf.slope, t * rf.floor_,
                       pl.ramp[row + m], 1.0 - pl.sched[row + m], 1.0 + pl.coupon[row + m]};
            mo[m] = x;
        }
        keep_forward(n, n_paths, rates, rate_exp, mo, rf, expo, bal, st_burn, st_cpr, st_bal,
                     sums);
        for (Py_ssize_t m = 0; m < n; m++) principal[row + m] = sums[m] - sums[m + 1];
        const double *f_last = factor + pl.pay[row + n - 1] * n_paths;
        for (Py_ssize_t p = 0; p < n_paths; p++) {
            big_r[p] = 0.0;
            big_d[p] = 0.0;
            w[p] = f_last[p] * scale[row + n - 1];
        }
        for (Py_ssize_t m = n - 1; m >= 0; m--) {
            Back bk = {pl.wac[b],
                       pl.pool_exp[b],
                       1.0 + pl.coupon[row + m],
                       m > 0 ? scale[row + m - 1] : 0.0,
                       pl.ramp[row + m] * rf.k_burn,
                       pl.ramp[row + m] / width,
                       rf.slope * pl.turnover[m] * width,
                       m > 0};
            const double *f_prev = m > 0 ? factor + pl.pay[row + m - 1] * n_paths : f_last;
            size_t at = (size_t)m * np_;
            back_step(n_paths, rates + at, rate_exp + at, st_burn + at, st_cpr + at, st_bal + at,
                      f_prev, bk, rf.refi_max, band_lo, big_r, big_d, w, g);
            for (Py_ssize_t k = 0; k < n_keys; k++) {
                const double *d = drate + (size_t)k * nm * np_ + at;
                double part[4] = {0, 0, 0, 0};
                Py_ssize_t p = 0;
                for (; p + 4 <= n_paths; p += 4)
                    for (int j = 0; j < 4; j++) part[j] += g[p + j] * d[p + j];
                double sum = (part[0] + part[2]) + (part[1] + part[3]);
                for (; p < n_paths; p++) sum += g[p] * d[p];
                gb[k] += sum;
            }
        }
    }
    Py_END_ALLOW_THREADS;
    free(mo);
    free(buf);
    release(&bs);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(
    mortgage_rates_doc,
    "mortgage_rates(e, k, out, n_s, n_t, n_a, n_b, month_major, w2, w10, spread)\n\n"
    "Mortgage rates out (S, A, B): spread + w2 par2 + w10 par10 of the annual-pay par rates\n"
    "off the bond prices e[i, a, b] k[s, i, month] of tenors i = 0..T-1 (1..T years; par2 from\n"
    "tenors 1-2, par10 from all T), month = a when month_major, else b; e (T, A, B),\n"
    "k (S, T, M). The operations of models.mbs_rates.mortgage_rates in its order: the same\n"
    "figures.");

/* Mortgage rates of every (a, s, b) (see mortgage_rates_doc); a outer, so row a of the T tenors'
 * prices stays in cache across every scenario. The month is a (month-major: k is a scalar per
 * row) or b (k varies along the row). Each pass over b is a plain loop that vectorises; ann and
 * par2 (n_b each) are the caller's scratch. */
static HP_CLONES void rates_grid(Py_ssize_t n_s, Py_ssize_t n_t, Py_ssize_t n_a, Py_ssize_t n_b,
                                 int major, const double *restrict e, const double *restrict k,
                                 double *restrict out, double w2, double w10, double spread,
                                 double *restrict ann, double *restrict par2) {
    Py_ssize_t plane = n_a * n_b, n_m = major ? n_a : n_b, last = n_t - 1;
    for (Py_ssize_t a = 0; a < n_a; a++) {
        const double *e_a = e + a * n_b;
        for (Py_ssize_t s = 0; s < n_s; s++) {
            const double *k_s = k + s * n_t * n_m;
            double *o = out + s * plane + a * n_b;
            const double *e0 = e_a, *e1 = e_a + plane, *el = e_a + last * plane;
            if (major) { /* the month's k multiplies every b */
                double k0 = k_s[a], k1 = k_s[n_m + a], kl = k_s[last * n_m + a];
                for (Py_ssize_t b = 0; b < n_b; b++) {
                    double t1 = e1[b] * k1;
                    ann[b] = e0[b] * k0 + t1; /* (e0 k0) + t1: no contraction (-ffp-contract=off) */
                    par2[b] = (1.0 - t1) / ann[b];
                }
                for (Py_ssize_t i = 2; i < n_t; i++) {
                    const double *ei = e_a + i * plane;
                    double ki = k_s[i * n_m + a];
                    for (Py_ssize_t b = 0; b < n_b; b++) ann[b] += ei[b] * ki;
                }
                for (Py_ssize_t b = 0; b < n_b; b++) {
                    double par10 = (1.0 - el[b] * kl) / ann[b];
                    double p2 = spread + w2 * par2[b];
                    o[b] = p2 + w10 * par10;
                }
            } else {
                const double *k0 = k_s, *k1 = k_s + n_m, *kl = k_s + last * n_m;
                for (Py_ssize_t b = 0; b < n_b; b++) {
                    double t1 = e1[b] * k1[b];
                    ann[b] = e0[b] * k0[b] + t1;
                    par2[b] = (1.0 - t1) / ann[b];
                }
                for (Py_ssize_t i = 2; i < n_t; i++) {
                    const double *ei = e_a + i * plane, *ki = k_s + i * n_m;
                    for (Py_ssize_t b = 0; b < n_b; b++) ann[b] += ei[b] * ki[b];
                }
                for (Py_ssize_t b = 0; b < n_b; b++) {
                    double par10 = (1.0 - el[b] * kl[b]) / ann[b];
                    double p2 = spread + w2 * par2[b];
                    o[b] = p2 + w10 * par10;
                }
            }
        }
    }
}

static PyObject *mortgage_rates(PyObject *self, PyObject *args) {
    PyObject *oe, *ok, *oout;
    Py_ssize_t n_s, n_t, n_a, n_b;
    int major;
    double w2, w10, spread;
    if (!PyArg_ParseTuple(args, "OOOnnnnpddd", &oe, &ok, &oout, &n_s, &n_t, &n_a, &n_b, &major,
                          &w2, &w10, &spread))
        return NULL;
    if (n_s < 1 || n_t < 2 || n_a < 1 || n_b < 1) {
        PyErr_SetString(PyExc_ValueError, "need a scenario, two tenors and a non-empty grid");
        return NULL;
    }
    Py_ssize_t plane = n_a * n_b, n_m = major ? n_a : n_b;
    Bufs bs = {.n = 0, .failed = 0};
    const double *e = take(&bs, oe, n_t * plane, 8, 0, "e");
    const double *k = take(&bs, ok, n_s * n_t * n_m, 8, 0, "k");
    double *out = take(&bs, oout, n_s * plane, 8, 1, "out");
    if (bs.failed) {
        release(&bs);
        return NULL;
    }
    double *scratch = (double *)malloc(2 * (size_t)n_b * sizeof(double));
    if (scratch == NULL) {
        release(&bs);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS;
    rates_grid(n_s, n_t, n_a, n_b, major, e, k, out, w2, w10, spread, scratch, scratch + n_b);
    Py_END_ALLOW_THREADS;
    free(scratch);
    release(&bs);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(elementary_doc,
             "elementary(x, out, which)\n\n"
             "The file's exp (which 0) or log1p (which 1) of every x, written into out (tests).");

static PyObject *elementary(PyObject *self, PyObject *args) {
    PyObject *ox, *oout;
    Py_ssize_t n;
    int which;
    if (!PyArg_ParseTuple(args, "OOni", &ox, &oout, &n, &which)) return NULL;
    Bufs bs = {.n = 0, .failed = 0};
    const double *x = take(&bs, ox, n, 8, 0, "x");
    double *out = take(&bs, oout, n, 8, 1, "out");
    if (out == NULL) {
        release(&bs);
        return NULL;
    }
    if (which == 0)
        for (Py_ssize_t k = 0; k < n; k++) out[k] = hp_exp(x[k]);
    else
        for (Py_ssize_t k = 0; k < n; k++) out[k] = hp_log1p(x[k]);
    release(&bs);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"project_lanes", project_lanes, METH_VARARGS, project_lanes_doc},
    {"adjoint_pools", adjoint_pools, METH_VARARGS, adjoint_pools_doc},
    {"mortgage_rates", mortgage_rates, METH_VARARGS, mortgage_rates_doc},
    {"elementary", elementary, METH_VARARGS, elementary_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_mbs_c",
    "Compiled month loop of rate-dependent pools (see models/_mbs_c.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__mbs_c(void) { return PyModule_Create(&module); }
