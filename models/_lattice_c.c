/*
 * Compiled loops of the Hull-White trinomial lattice (hedge_planner.models._lattice_c).
 *
 * The numpy lattice (models/short_rate.py, models/lattice_pricing.py) walks the levels in Python:
 * a few numpy calls per level, each on a few hundred values, so a 250-level tree costs its
 * per-call overhead 250 times per fit, per band computation and per rollback. These functions
 * run the same per-level arithmetic in one call each, with the GIL released (the pricers' thread
 * pools then use every core):
 *
 *   fit       forward induction of Arrow-Debreu prices; phi per step and curve
 *   bands     the rollback bands (nodes reached with probability >= a threshold)
 *   rollback  a block of callable/putable bonds rolled back from its top level to the root
 *   crr       binomial (Cox-Ross-Rubinstein) backward induction of futures options
 *
 * Layout (models/lattice_kernels.py builds it from a TrinomialTree):
 *   x      float64 (T,)     node x of every level, level by level (T nodes in all)
 *   offs   int64   (N+2,)   offs[i] the first node of level i, offs[N+1] = T
 *   child  int64   (P,)     middle child of each node of levels 0..N-1, index within level i+1
 *   prob   float64 (3, P)   branching probabilities to children child-1, child, child+1
 *   dt     float64 (N,)     step lengths, years
 *   scale  float64 (R,)     per-row multiplier of x (R = 1: every row shares row 0's)
 *
 * Arithmetic: the elementwise operations of the numpy code in the same order; sums over nodes
 * run left to right (numpy's pairwise sums differ in the last bits), so figures agree with the
 * numpy path to rounding, not bit for bit (tests compare them).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_hp_buffers.h"

typedef struct {
    const double *x;
    const int64_t *offs;
    const int64_t *child;
    const double *prob; /* (3, P) */
    const double *dt;
    Py_ssize_t n_steps; /* N */
    Py_ssize_t parents; /* P = offs[N] */
    Py_ssize_t width;   /* nodes on the widest level */
} Tree;

/* Read the tree arrays (x, offs, child, prob, dt) given N; checks every child's three branches
 * land on level i+1. Returns 0 on success (the buffers stay in `bs`). */
static int take_tree(Bufs *bs, Tree *t, PyObject *x, PyObject *offs, PyObject *child,
                     PyObject *prob, PyObject *dt, Py_ssize_t n_steps) {
    if (n_steps < 1) {
        PyErr_SetString(PyExc_ValueError, "a lattice needs at least one step");
        return -1;
    }
    t->offs = (const int64_t *)take(bs, offs, n_steps + 2, 8, 0, "offs");
    if (bs->failed) return -1;
    t->n_steps = n_steps;
    const int64_t *o = t->offs;
    if (o[0] != 0) {
        PyErr_SetString(PyExc_ValueError, "offs must start at 0");
        return -1;
    }
    Py_ssize_t width = 0;
    for (Py_ssize_t i = 0; i <= n_steps; i++) {
        if (o[i + 1] <= o[i]) {
            PyErr_SetString(PyExc_ValueError, "every level needs a node");
            return -1;
        }
        if (o[i + 1] - o[i] > width) width = (Py_ssize_t)(o[i + 1] - o[i]);
    }
    t->width = width;
    t->parents = (Py_ssize_t)o[n_steps];
    t->x = (const double *)take(bs, x, (Py_ssize_t)o[n_steps + 1], 8, 0, "x");
    if (bs->failed) return -1;
    t->child = (const int64_t *)take(bs, child, t->parents, 8, 0, "child");
    if (bs->failed) return -1;
    t->prob = (const double *)take(bs, prob, 3 * t->parents, 8, 0, "prob");
    if (bs->failed) return -1;
    t->dt = (const double *)take(bs, dt, n_steps, 8, 0, "dt");
    if (bs->failed) return -1;
    for (Py_ssize_t i = 0; i < n_steps; i++) {
        int64_t n_next = o[i + 2] - o[i + 1];
        for (int64_t g = o[i]; g < o[i + 1]; g++) {
            if (t->child[g] < 1 || t->child[g] + 1 >= n_next) {
                PyErr_Format(PyExc_ValueError, "level %zd: a child falls outside level %zd", i,
                             i + 1);
                return -1;
            }
        }
    }
    return 0;
}

/* Rows that share a scale share their node discounts exp(-(scale x) dt) (the fit's and the
 * rollback's exponentials do not depend on the curve row): slot[s] numbers row s's distinct
 * scale (first-seen order, bitwise equality); returns the number of distinct scales. */
static Py_ssize_t scale_slots(const double *scale, Py_ssize_t n_scale, Py_ssize_t n_rows,
                              Py_ssize_t *slot) {
    Py_ssize_t n = 0;
    for (Py_ssize_t s = 0; s < n_rows; s++) {
        double sc = scale[n_scale == 1 ? 0 : s];
        slot[s] = -1;
        for (Py_ssize_t r = 0; r < s; r++)
            if (memcmp(&scale[n_scale == 1 ? 0 : r], &sc, sizeof sc) == 0) {
                slot[s] = slot[r];
                break;
            }
        if (slot[s] < 0) slot[s] = n++;
    }
    return n;
}

/* exp(-(sc x) dt_i) of every node of levels 0..top (the step after the node's level), where
 * lo/hi (may be NULL: whole levels) bound the nodes used; the same expression as the per-row
 * loops, so the same values. */
static void node_discounts(const Tree *t, Py_ssize_t top, const int64_t *lo, const int64_t *hi,
                           double sc, double *out) {
    for (Py_ssize_t i = 0; i <= top && i < t->n_steps; i++) {
        const double *xi = t->x + t->offs[i];
        double *o = out + t->offs[i];
        Py_ssize_t a = lo ? (Py_ssize_t)lo[i] : 0;
        Py_ssize_t b = hi ? (Py_ssize_t)hi[i] : (Py_ssize_t)(t->offs[i + 1] - t->offs[i]);
        double h = t->dt[i];
        for (Py_ssize_t j = a; j < b; j++) o[j] = exp(-(sc * xi[j]) * h);
    }
}

/* Node discounts kept for at most this many doubles (32 MB); past it, a row's are recomputed. */
#define HP_DISC_KEEP ((size_t)1 << 22)

/* Row s's node discounts: with `shared`, each distinct scale's are computed at its first row
 * (slots number in first-seen order, so `*done` is the next new one) and kept in its slot;
 * otherwise every row's go into slot 0. */
static const double *row_discounts(const Tree *t, Py_ssize_t top, const int64_t *lo,
                                   const int64_t *hi, double sc, Py_ssize_t slot, int shared,
                                   size_t nodes, double *disc, Py_ssize_t *done) {
    if (!shared) {
        node_discounts(t, top, lo, hi, sc, disc);
        return disc;
    }
    double *mine = disc + (size_t)slot * nodes;
    if (slot == *done) {
        node_discounts(t, top, lo, hi, sc, mine);
        (*done)++;
    }
    return mine;
}

/* State prices of level i+1 from w (level i): each node's value to its three children. */
static void spread_forward(const Tree *t, Py_ssize_t i, const double *w, double *next) {
    const int64_t *o = t->offs;
    Py_ssize_t n = (Py_ssize_t)(o[i + 1] - o[i]), n_next = (Py_ssize_t)(o[i + 2] - o[i + 1]);
    const int64_t *k = t->child + o[i];
    const double *p0 = t->prob + o[i], *p1 = p0 + t->parents, *p2 = p1 + t->parents;
    memset(next, 0, (size_t)n_next * sizeof(double));
    /* branch by branch, as the numpy forward adds its three slices */
    for (Py_ssize_t j = 0; j < n; j++) next[k[j] - 1] += w[j] * p0[j];
    for (Py_ssize_t j = 0; j < n; j++) next[k[j]] += w[j] * p1[j];
    for (Py_ssize_t j = 0; j < n; j++) next[k[j] + 1] += w[j] * p2[j];
}

PyDoc_STRVAR(fit_doc,
             "fit(x, offs, child, prob, dt, scale, df, phi)\n\n"
             "Fitted drift phi (S, N) of S curves (discount factors df (S, N) at the grid's times\n"
             "after 0), written into phi; scale (R,) with R = 1 or S.");

static PyObject *fit(PyObject *self, PyObject *args) {
    PyObject *ox, *ooffs, *ochild, *oprob, *odt, *oscale, *odf, *ophi;
    Py_ssize_t n_steps, n_rows, n_scale;
    if (!PyArg_ParseTuple(args, "OOOOOOOOnnn", &ox, &ooffs, &ochild, &oprob, &odt, &oscale, &odf,
                          &ophi, &n_steps, &n_rows, &n_scale))
        return NULL;
    Bufs bs = {.n = 0, .failed = 0};
    Tree t;
    if (take_tree(&bs, &t, ox, ooffs, ochild, oprob, odt, n_steps) < 0) goto fail;
    if (n_scale != 1 && n_scale != n_rows) {
        PyErr_SetString(PyExc_ValueError, "scale must have 1 or S rows");
        goto fail;
    }
    const double *scale = (const double *)take(&bs, oscale, n_scale, 8, 0, "scale");
    if (bs.failed) goto fail;
    const double *df = (const double *)take(&bs, odf, n_rows * n_steps, 8, 0, "df");
    if (bs.failed) goto fail;
    double *phi = (double *)take(&bs, ophi, n_rows * n_steps, 8, 1, "phi");
    if (bs.failed) goto fail;
    Py_ssize_t *slot = (Py_ssize_t *)malloc((size_t)n_rows * sizeof(Py_ssize_t));
    Py_ssize_t n_slots = slot == NULL ? 1 : scale_slots(scale, n_scale, n_rows, slot);
    size_t t_all = (size_t)t.offs[n_steps + 1];
    int shared = (size_t)n_slots * t_all <= HP_DISC_KEEP;
    size_t n_disc = shared ? (size_t)n_slots : 1;
    double *buf = (double *)malloc((3 * (size_t)t.width + n_disc * t_all) * sizeof(double));
    if (buf == NULL || slot == NULL) {
        free(buf);
        free(slot);
        PyErr_NoMemory();
        goto fail;
    }
    Py_BEGIN_ALLOW_THREADS;
    double *q = buf, *qe = buf + t.width, *nxt = buf + 2 * t.width, *disc = nxt + t.width;
    Py_ssize_t done = 0;
    for (Py_ssize_t s = 0; s < n_rows; s++) {
        const double *nd = row_discounts(&t, n_steps - 1, NULL, NULL, scale[n_scale == 1 ? 0 : s],
                                         slot[s], shared, t_all, disc, &done);
        q[0] = 1.0;
        for (Py_ssize_t i = 0; i < n_steps; i++) {
            const double *ndi = nd + t.offs[i];
            Py_ssize_t n = (Py_ssize_t)(t.offs[i + 1] - t.offs[i]);
            double h = t.dt[i], sum = 0.0;
            for (Py_ssize_t j = 0; j < n; j++) {
                qe[j] = q[j] * ndi[j];
                sum += qe[j];
            }
            double ph = log(sum / df[s * n_steps + i]) / h;
            phi[s * n_steps + i] = ph;
            double e = exp(-ph * h);
            for (Py_ssize_t j = 0; j < n; j++) qe[j] *= e;
            spread_forward(&t, i, qe, nxt);
            double *tmp = q;
            q = nxt;
            nxt = tmp;
        }
    }
    Py_END_ALLOW_THREADS;
    free(buf);
    free(slot);
    release(&bs);
    Py_RETURN_NONE;
fail:
    release(&bs);
    return NULL;
}

PyDoc_STRVAR(bands_doc,
             "bands(x, offs, child, prob, dt, threshold, lo, hi)\n\n"
             "Rollback bands [lo, hi) (int64 (N+1,) each, written): nodes reached from the root\n"
             "with probability >= threshold, widened to the middle children of the previous\n"
             "level's band.");

static PyObject *bands(PyObject *self, PyObject *args) {
    PyObject *ox, *ooffs, *ochild, *oprob, *odt, *olo, *ohi;
    Py_ssize_t n_steps;
    double threshold;
    if (!PyArg_ParseTuple(args, "OOOOOdOOn", &ox, &ooffs, &ochild, &oprob, &odt, &threshold, &olo,
                          &ohi, &n_steps))
        return NULL;
    Bufs bs = {.n = 0, .failed = 0};
    Tree t;
    if (take_tree(&bs, &t, ox, ooffs, ochild, oprob, odt, n_steps) < 0) goto fail;
    int64_t *lo = (int64_t *)take(&bs, olo, n_steps + 1, 8, 1, "lo");
    if (bs.failed) goto fail;
    int64_t *hi = (int64_t *)take(&bs, ohi, n_steps + 1, 8, 1, "hi");
    if (bs.failed) goto fail;
    double *buf = (double *)malloc(2 * (size_t)t.width * sizeof(double));
    if (buf == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_BEGIN_ALLOW_THREADS;
    double *reach = buf, *nxt = buf + t.width;
    reach[0] = 1.0;
    lo[0] = 0;
    hi[0] = t.offs[1] - t.offs[0];
    for (Py_ssize_t i = 0; i < n_steps; i++) {
        spread_forward(&t, i, reach, nxt);
        int64_t n_next = t.offs[i + 2] - t.offs[i + 1];
        int64_t first = -1, last = -1;
        for (int64_t j = 0; j < n_next; j++) {
            if (nxt[j] >= threshold) {
                if (first < 0) first = j;
                last = j;
            }
        }
        const int64_t *k = t.child + t.offs[i];
        int64_t kmin = k[lo[i]], kmax = k[lo[i]];
        for (int64_t j = lo[i]; j < hi[i]; j++) {
            if (k[j] < kmin) kmin = k[j];
            if (k[j] > kmax) kmax = k[j];
        }
        int64_t a = first >= 0 ? first : n_next, b = first >= 0 ? last + 1 : 0;
        lo[i + 1] = a < kmin ? a : kmin;
        hi[i + 1] = b > kmax + 1 ? b : kmax + 1;
        double *tmp = reach;
        reach = nxt;
        nxt = tmp;
    }
    Py_END_ALLOW_THREADS;
    free(buf);
    release(&bs);
    Py_RETURN_NONE;
fail:
    release(&bs);
    return NULL;
}

PyDoc_STRVAR(
    rollback_doc,
    "rollback(x, offs, child, prob, dt, lo, hi, scale, phi, spread, on_node, strike, put,\n"
    "         in_bond, in_level, in_amount, in_tau, out, n_steps, n_rows, n_scale, n_bonds,\n"
    "         n_inside, top, mask)\n\n"
    "Root values out (S, b) of b bonds rolled back from level top on the bands [lo, hi);\n"
    "phi (S, N), spread (S, b), on_node and strike (b, N+1) (NaN: no exercise), put uint8 (b,),\n"
    "inside flows sorted by level. An outer child beyond the next band takes the edge value.\n"
    "mask: None, or uint8 (b, offs[top + 1]) set to 0 where row 0 exercises (1 elsewhere).");

static PyObject *rollback(PyObject *self, PyObject *args) {
    PyObject *ox, *ooffs, *ochild, *oprob, *odt, *olo, *ohi, *oscale, *ophi, *ospread, *oon,
        *ostrike, *oput, *oib, *oil, *oia, *oit, *oout, *omask;
    Py_ssize_t n_steps, n_rows, n_scale, n_bonds, n_inside, top;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOOOOOOOnnnnnnO", &ox, &ooffs, &ochild, &oprob, &odt,
                          &olo, &ohi, &oscale, &ophi, &ospread, &oon, &ostrike, &oput, &oib, &oil,
                          &oia, &oit, &oout, &n_steps, &n_rows, &n_scale, &n_bonds, &n_inside,
                          &top, &omask))
        return NULL;
    Bufs bs = {.n = 0, .failed = 0};
    Tree t;
    if (take_tree(&bs, &t, ox, ooffs, ochild, oprob, odt, n_steps) < 0) goto fail;
    if (top < 0 || top > n_steps || n_bonds < 1 || n_rows < 1) {
        PyErr_SetString(PyExc_ValueError, "need 0 <= top <= N, a bond and a row");
        goto fail;
    }
    if (n_scale != 1 && n_scale != n_rows) {
        PyErr_SetString(PyExc_ValueError, "scale must have 1 or S rows");
        goto fail;
    }
    Py_ssize_t L = n_steps + 1;
    const int64_t *lo = (const int64_t *)take(&bs, olo, L, 8, 0, "lo");
    if (bs.failed) goto fail;
    const int64_t *hi = (const int64_t *)take(&bs, ohi, L, 8, 0, "hi");
    if (bs.failed) goto fail;
    const double *scale = (const double *)take(&bs, oscale, n_scale, 8, 0, "scale");
    if (bs.failed) goto fail;
    const double *phi = (const double *)take(&bs, ophi, n_rows * n_steps, 8, 0, "phi");
    if (bs.failed) goto fail;
    const double *spread = (const double *)take(&bs, ospread, n_rows * n_bonds, 8, 0, "spread");
    if (bs.failed) goto fail;
    const double *on_node = (const double *)take(&bs, oon, n_bonds * L, 8, 0, "on_node");
    if (bs.failed) goto fail;
    const double *strike = (const double *)take(&bs, ostrike, n_bonds * L, 8, 0, "strike");
    if (bs.failed) goto fail;
    const uint8_t *put = (const uint8_t *)take(&bs, oput, n_bonds, 1, 0, "put");
    if (bs.failed) goto fail;
    const int64_t *in_bond = (const int64_t *)take(&bs, oib, n_inside, 8, 0, "in_bond");
    if (bs.failed) goto fail;
    const int64_t *in_level = (const int64_t *)take(&bs, oil, n_inside, 8, 0, "in_level");
    if (bs.failed) goto fail;
    const double *in_amount = (const double *)take(&bs, oia, n_inside, 8, 0, "in_amount");
    if (bs.failed) goto fail;
    const double *in_tau = (const double *)take(&bs, oit, n_inside, 8, 0, "in_tau");
    if (bs.failed) goto fail;
    double *out = (double *)take(&bs, oout, n_rows * n_bonds, 8, 1, "out");
    if (bs.failed) goto fail;
    uint8_t *mask = NULL;
    Py_ssize_t t_top = (Py_ssize_t)t.offs[top + 1]; /* nodes of levels 0..top */
    if (omask != Py_None) {
        mask = (uint8_t *)take(&bs, omask, n_bonds * t_top, 1, 1, "mask");
        if (bs.failed) goto fail;
        memset(mask, 1, (size_t)(n_bonds * t_top));
    }
    Py_ssize_t w_max = 0;
    for (Py_ssize_t i = 0; i <= top; i++) {
        int64_t n_i = t.offs[i + 1] - t.offs[i];
        if (lo[i] < 0 || hi[i] > n_i || hi[i] <= lo[i]) {
            PyErr_Format(PyExc_ValueError, "level %zd: the band is not inside the level", i);
            goto fail;
        }
        if (i < top) { /* a band's middle children must lie in the next band */
            const int64_t *k = t.child + t.offs[i];
            for (int64_t j = lo[i]; j < hi[i]; j++) {
                if (k[j] < lo[i + 1] || k[j] >= hi[i + 1]) {
                    PyErr_Format(PyExc_ValueError, "level %zd: a middle child outside the band",
                                 i);
                    goto fail;
                }
            }
        }
        if (hi[i] - lo[i] > w_max) w_max = (Py_ssize_t)(hi[i] - lo[i]);
    }
    for (Py_ssize_t f = 0; f < n_inside; f++) {
        if (in_bond[f] < 0 || in_bond[f] >= n_bonds || in_level[f] < 0 || in_level[f] > top ||
            (f > 0 && in_level[f] < in_level[f - 1])) {
            PyErr_SetString(PyExc_ValueError, "inside flows: bond or level out of range/order");
            goto fail;
        }
    }
    size_t plane = (size_t)n_bonds * (size_t)w_max;
    Py_ssize_t *slot = (Py_ssize_t *)malloc((size_t)n_rows * sizeof(Py_ssize_t));
    Py_ssize_t n_slots = slot == NULL ? 1 : scale_slots(scale, n_scale, n_rows, slot);
    int shared = (size_t)n_slots * (size_t)t_top <= HP_DISC_KEEP;
    size_t n_disc = shared ? (size_t)n_slots : 1;
    double *buf =
        (double *)malloc((2 * plane + (size_t)n_bonds + n_disc * (size_t)t_top) * sizeof(double));
    if (buf == NULL || slot == NULL) {
        free(buf);
        free(slot);
        PyErr_NoMemory();
        goto fail;
    }
    Py_BEGIN_ALLOW_THREADS;
    double *cur = buf, *nxt = buf + plane, *pc = buf + 2 * plane, *disc = pc + n_bonds;
    Py_ssize_t done = 0;
    for (Py_ssize_t s = 0; s < n_rows; s++) {
        double sc = scale[n_scale == 1 ? 0 : s];
        /* band discounts of levels 0..top-1 (the rollback's steps) */
        const double *nd_row =
            row_discounts(&t, top - 1, lo, hi, sc, slot[s], shared, (size_t)t_top, disc, &done);
        const double *ph = phi + s * n_steps, *sp = spread + s * n_bonds;
        Py_ssize_t w = (Py_ssize_t)(hi[top] - lo[top]);
        memset(cur, 0, (size_t)n_bonds * (size_t)w * sizeof(double));
        Py_ssize_t f_end = n_inside; /* flows at levels <= i are before f_end */
        for (Py_ssize_t i = top; i >= 0; i--) {
            const double *xi = t.x + t.offs[i];
            if (i < top) { /* values on level i+1's band (cur, width w) to level i's (nxt) */
                Py_ssize_t a = (Py_ssize_t)lo[i], n = (Py_ssize_t)(hi[i] - lo[i]);
                Py_ssize_t lo1 = (Py_ssize_t)lo[i + 1], w1 = w;
                const int64_t *k = t.child + t.offs[i];
                const double *p0 = t.prob + t.offs[i], *p1 = p0 + t.parents,
                             *p2 = p1 + t.parents;
                double h = t.dt[i];
                const double *nd = nd_row + t.offs[i] + a; /* the band's, from node a */
                for (Py_ssize_t b = 0; b < n_bonds; b++) pc[b] = exp(-(ph[i] + sp[b]) * h);
                for (Py_ssize_t b = 0; b < n_bonds; b++) {
                    const double *v = cur + b * w1;
                    double *o = nxt + b * n;
                    for (Py_ssize_t j = 0; j < n; j++) {
                        Py_ssize_t m = (Py_ssize_t)k[a + j] - lo1;
                        Py_ssize_t dn = m - 1 < 0 ? 0 : m - 1, up = m + 1 >= w1 ? w1 - 1 : m + 1;
                        double c = p0[a + j] * v[dn];
                        c += p1[a + j] * v[m];
                        c += p2[a + j] * v[up];
                        c *= nd[j];
                        o[j] = c * pc[b];
                    }
                }
                double *tmp = cur;
                cur = nxt;
                nxt = tmp;
                w = n;
            }
            Py_ssize_t a = (Py_ssize_t)lo[i];
            /* flows strictly inside step i (sorted by level: the run ending at f_end) */
            Py_ssize_t f0 = f_end;
            while (f0 > 0 && in_level[f0 - 1] == i) f0--;
            Py_ssize_t last_step = n_steps - 1;
            double ph_in = ph[i < last_step ? i : last_step];
            for (Py_ssize_t f = f0; f < f_end; f++) {
                Py_ssize_t b = (Py_ssize_t)in_bond[f];
                double *v = cur + b * w;
                for (Py_ssize_t j = 0; j < w; j++) {
                    double r = sc * xi[a + j] + ph_in;
                    v[j] += in_amount[f] * exp(-(r + sp[b]) * in_tau[f]);
                }
            }
            f_end = f0;
            for (Py_ssize_t b = 0; b < n_bonds; b++) {
                double kx = strike[b * L + i];
                double *v = cur + b * w;
                if (!isnan(kx)) {
                    if (mask != NULL && s == 0) { /* row 0's decisions: 0 where exercised */
                        uint8_t *mk = mask + b * t_top + t.offs[i] + a;
                        for (Py_ssize_t j = 0; j < w; j++)
                            mk[j] = put[b] ? !(v[j] < kx) : !(v[j] > kx);
                    }
                    if (put[b]) {
                        for (Py_ssize_t j = 0; j < w; j++) v[j] = v[j] < kx ? kx : v[j];
                    } else {
                        for (Py_ssize_t j = 0; j < w; j++) v[j] = v[j] > kx ? kx : v[j];
                    }
                }
                double flow = on_node[b * L + i];
                if (flow != 0.0)
                    for (Py_ssize_t j = 0; j < w; j++) v[j] += flow;
            }
        }
        for (Py_ssize_t b = 0; b < n_bonds; b++) out[s * n_bonds + b] = cur[b * w];
    }
    Py_END_ALLOW_THREADS;
    free(buf);
    free(slot);
    release(&bs);
    Py_RETURN_NONE;
fail:
    release(&bs);
    return NULL;
}

PyDoc_STRVAR(crr_doc,
             "crr(values, exercise, p, q, disc, n_rows, n_forwards, n_american, steps)\n\n"
             "Binomial (CRR) backward induction in place on values (n_rows, steps + 1), row r\n"
             "rolled back to its column 0: v[k] = (v[k+1] p + v[k] q) disc at each step n =\n"
             "steps-1..0, then on the first n_american rows (0 or n_forwards) v[k] = max(v[k],\n"
             "exercise[r % n_forwards, steps - n + 2k]); exercise (n_forwards, 2 steps + 1).");

static PyObject *crr(PyObject *self, PyObject *args) {
    PyObject *ovalues, *oexercise;
    double p, q, disc;
    Py_ssize_t n_rows, n_fwd, n_am, steps;
    if (!PyArg_ParseTuple(args, "OOdddnnnn", &ovalues, &oexercise, &p, &q, &disc, &n_rows, &n_fwd,
                          &n_am, &steps))
        return NULL;
    if (steps < 1 || n_fwd < 1 || n_rows < 0 || n_am < 0 || n_am > n_rows) {
        PyErr_SetString(PyExc_ValueError, "need steps >= 1, a forward and 0 <= n_american <= rows");
        return NULL;
    }
    Bufs bs = {.n = 0, .failed = 0};
    double *values = (double *)take(&bs, ovalues, n_rows * (steps + 1), 8, 1, "values");
    const double *exercise =
        (const double *)take(&bs, oexercise, n_fwd * (2 * steps + 1), 8, 0, "exercise");
    if (bs.failed) {
        release(&bs);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS;
    for (Py_ssize_t r = 0; r < n_rows; r++) {
        double *v = values + r * (steps + 1);
        const double *ex = exercise + (r % n_fwd) * (2 * steps + 1);
        int american = r < n_am;
        for (Py_ssize_t n = steps - 1; n >= 0; n--) {
            /* ascending k: v[k + 1] is still the previous step's value when v[k] is written */
            for (Py_ssize_t k = 0; k <= n; k++) {
                double up = v[k + 1] * p;
                up += v[k] * q;
                v[k] = up * disc;
            }
            if (american) {
                const double *e = ex + (steps - n);
                for (Py_ssize_t k = 0; k <= n; k++) v[k] = v[k] < e[2 * k] ? e[2 * k] : v[k];
            }
        }
    }
    Py_END_ALLOW_THREADS;
    release(&bs);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"fit", fit, METH_VARARGS, fit_doc},
    {"bands", bands, METH_VARARGS, bands_doc},
    {"rollback", rollback, METH_VARARGS, rollback_doc},
    {"crr", crr, METH_VARARGS, crr_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_lattice_c",
    "Compiled loops of the Hull-White trinomial lattice (see models/_lattice_c.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__lattice_c(void) { return PyModule_Create(&module); }
