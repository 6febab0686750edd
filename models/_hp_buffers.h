/*
 * Buffers of the compiled loops' arguments (models/_lattice_c.c, models/_mbs_c.c): each array
 * argument is taken as a C-contiguous buffer of exactly the expected size, and every buffer
 * taken is released on the way out. Include after Python.h.
 */
#ifndef HP_BUFFERS_H
#define HP_BUFFERS_H

#define HP_NBUF 24

typedef struct {
    Py_buffer b[HP_NBUF];
    int n;      /* buffers held */
    int failed; /* a take failed (a Python exception is set) */
} Bufs;

static void release(Bufs *bs) {
    for (int k = 0; k < bs->n; k++) PyBuffer_Release(&bs->b[k]);
    bs->n = 0;
}

/* The buffer of `obj` if it holds exactly `count` items of `size` bytes (C-contiguous, writable
 * when asked), else NULL with an exception set. After a failure every later call returns NULL
 * without touching its object, so a run of takes is checked once, on `bs->failed` (a buffer of
 * no items may have a NULL pointer: NULL alone does not say a take failed). */
static void *take(Bufs *bs, PyObject *obj, Py_ssize_t count, Py_ssize_t size, int writable,
                  const char *name) {
    if (bs->failed) return NULL;
    if (bs->n >= HP_NBUF) {
        PyErr_SetString(PyExc_RuntimeError, "too many buffers");
        bs->failed = 1;
        return NULL;
    }
    Py_buffer *view = &bs->b[bs->n];
    int flags = PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) {
        bs->failed = 1;
        return NULL;
    }
    bs->n++;
    if (view->len != count * size) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items of %zd bytes, got %zd bytes", name,
                     count, size, view->len);
        bs->failed = 1;
        return NULL;
    }
    return view->buf;
}

#endif
