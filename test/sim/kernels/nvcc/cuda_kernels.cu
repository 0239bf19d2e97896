// Ordinary CUDA C++ kernels for the PTX simulator, compiled by nvcc; the simulator runs the
// PTX that nvcc prints (cuda_kernels.ptx, committed next to this file), and
// test/sim/test_sim_nvcc.py checks every kernel against numpy. Regenerate with
//     nvcc -arch=sm_80 -ptx cuda_kernels.cu -o cuda_kernels.ptx
// (CUDA 13.0, nvcc V13.0.88). What they exercise: loops, grid-stride loops, shared memory with
// __syncthreads, divergent if/else and while, 64-bit indexing, cuda_fp16.h/cuda_bf16.h
// conversions and arithmetic (inline assembly with scoped .reg declarations), bit
// manipulation, float rounding, a struct passed by value, 8/16-bit and vector accesses, warp
// votes and shuffles (member masks in registers), a local array, 3D launches, an mma.sp tile
// staged through shared memory with ldmatrix; and an atomic and a call to a device function
// (outside the simulator's subset: those two kernels are refused, the others still run).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <stdint.h>

struct Params {
    int n;
    float scale;
    int pad[2];
};

extern "C" __global__ void saxpy_loop(const float* __restrict__ x, float* y, float a, int n,
                                      int reps) {
    int stride = gridDim.x * blockDim.x;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        float v = y[i];
        for (int r = 0; r < reps; ++r) v = a * x[i] + v;
        y[i] = v;
    }
}

extern "C" __global__ void reduce_shared(const float* x, float* out, int n) {
    __shared__ float s[256];
    int t = threadIdx.x;
    int i = blockIdx.x * blockDim.x + t;
    s[t] = i < n ? x[i] : 0.0f;
    __syncthreads();
    for (int k = blockDim.x / 2; k > 0; k >>= 1) {
        if (t < k) s[t] += s[t + k];
        __syncthreads();
    }
    if (t == 0) out[blockIdx.x] = s[0];
}

extern "C" __global__ void divergent_if(const int* x, int* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int v = x[i];
    if (v & 1) {
        v = v * 3 + 1;
        if (v > 100) v -= 100; else v += 7;
    } else {
        v = v / 2;
        while (v > 10) v -= 3;
    }
    y[i] = v;
}

extern "C" __global__ void index64(const double* x, double* y, long long n, long long offset) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = x[i + offset] * 2.0 + (double)i;
}

extern "C" __global__ void conv_half(const float* x, __half* h, __nv_bfloat16* b, float* back,
                                     int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        __half hv = __float2half(x[i]);
        __nv_bfloat16 bv = __float2bfloat16(x[i]);
        h[i] = hv;
        b[i] = bv;
        back[2 * i] = __half2float(hv) + __bfloat162float(bv);
        __half2 h2 = __floats2half2_rn(x[i], -x[i]);
        h2 = __hmul2(h2, h2);
        back[2 * i + 1] = __low2float(h2) + __high2float(h2);
    }
}

extern "C" __global__ void transpose2d(const float* in, float* out, int w, int h) {
    __shared__ float tile[32][33];
    int x = blockIdx.x * 32 + threadIdx.x;
    int y = blockIdx.y * 32 + threadIdx.y;
    for (int j = 0; j < 32; j += 8)
        if (x < w && y + j < h) tile[threadIdx.y + j][threadIdx.x] = in[(y + j) * w + x];
    __syncthreads();
    x = blockIdx.y * 32 + threadIdx.x;
    y = blockIdx.x * 32 + threadIdx.y;
    for (int j = 0; j < 32; j += 8)
        if (x < h && y + j < w) out[(y + j) * h + x] = tile[threadIdx.x][threadIdx.y + j];
}

extern "C" __global__ void int_misc(const uint32_t* __restrict__ a, const uint32_t* __restrict__ b,
                                    uint32_t* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    uint32_t x = a[i], y = b[i];
    uint32_t* o = out + 16 * i;
    o[0] = __brev(x);
    o[1] = __ffs(x);
    o[2] = __byte_perm(x, y, 0x5140);
    o[3] = __funnelshift_l(x, y, y & 31);
    o[4] = __funnelshift_r(x, y, y);
    o[5] = x / 7u;
    o[6] = (int)x % 13;
    o[7] = __popc(x) + __clz(y);
    o[8] = __umulhi(x, y);
    o[9] = (uint32_t)(((unsigned long long)x * y) % 1000003ull);
    o[10] = (uint32_t)((long long)(int)x / (long long)((int)y | 1));
    o[11] = __sad(x, y, 5u);
    o[12] = min(x, y) - max((int)x, (int)y);
    o[13] = __usad(x & 0xff, y & 0xff, 0);
    o[14] = (x >> (y & 31)) | (x << ((32 - (y & 31)) & 31));
    o[15] = __mul24(x, y);
}

extern "C" __global__ void float_misc(const float* a, const float* b, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float x = a[i], y = b[i];
    float* o = out + 12 * i;
    o[0] = x / y;
    o[1] = sqrtf(fabsf(x));
    o[2] = fminf(x, y) + fmaxf(x, y);
    o[3] = __saturatef(x);
    o[4] = __fdividef(x, y);
    o[5] = (float)__float2int_rn(x);
    o[6] = __int2float_rn((int)(y * 1000.0f));
    o[7] = fmaf(x, y, 1.0f);
    o[8] = (float)((double)x / (double)y);
    o[9] = truncf(x) + floorf(y) + ceilf(x) + rintf(y);
    o[10] = copysignf(x, y);
    o[11] = __uint2float_rn((unsigned)fabsf(y * 1000.f));
}

extern "C" __global__ void half_math(const __half* a, const __half* b, __half* out,
                                     __nv_bfloat16* bout, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    __half x = a[i], y = b[i];
    out[4 * i] = __hadd(x, y);
    out[4 * i + 1] = __hmul(x, y);
    out[4 * i + 2] = __hfma(x, y, x);
    out[4 * i + 3] = __hgt(x, y) ? x : y;
    __nv_bfloat16 bx = __float2bfloat16(__half2float(x));
    __nv_bfloat16 by = __float2bfloat16(__half2float(y));
    bout[2 * i] = __hadd(bx, by);
    bout[2 * i + 1] = __hmul(bx, by);
}

extern "C" __global__ void struct_param(Params p, float* out) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < p.n) out[i] = p.scale * i + p.pad[1];
}

extern "C" __global__ void bytes_shorts(const uint8_t* a, const int16_t* b, int16_t* c,
                                        uint8_t* d, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        c[i] = (int16_t)(a[i] * b[i]);
        d[i] = (uint8_t)(a[i] + 3);
    }
}

extern "C" __global__ void vec4(const float4* a, float4* b, const int2* c, int2* d, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float4 v = a[i];
        b[i] = make_float4(v.w, v.z, v.y, v.x);
        int2 q = c[i];
        d[i] = make_int2(q.y, q.x + q.y);
    }
}

extern "C" __global__ void warp_ops(const int* a, int* out) {
    int i = threadIdx.x + blockIdx.x * blockDim.x;
    int v = a[i];
    unsigned ballot = __ballot_sync(0xffffffff, v > 0);
    int s = v;
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffff, s, o);
    int any = __any_sync(0xffffffff, v > 100);
    int all = __all_sync(0xffffffff, v > -100);
    __syncwarp();
    out[3 * i] = ballot;
    out[3 * i + 1] = s;
    out[3 * i + 2] = any * 2 + all;
}

extern "C" __global__ void local_array(const int* idx, int* out) {
    int buf[16];
    for (int k = 0; k < 16; ++k) buf[k] = k * threadIdx.x;
    out[threadIdx.x] = buf[idx[threadIdx.x] & 15];
}

extern "C" __global__ void grid3d(int* out) {
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    int z = blockIdx.z * blockDim.z + threadIdx.z;
    int w = gridDim.x * blockDim.x, h = gridDim.y * blockDim.y;
    out[(z * h + y) * w + x] = x + 100 * y + 10000 * z;
}

// One m16n8k16 f16 mma.sp tile, selector 1: packed A (16x8) and B^T (8x16) staged in shared
// memory, fragments loaded with ldmatrix .x2, metadata from lane-dependent words.
extern "C" __global__ void mma_sp_tile(const __half* a, const __half* bt, const float* c,
                                       const uint32_t* e, float* d) {
    __shared__ __align__(16) __half sa[16 * 8];
    __shared__ __align__(16) __half sb[8 * 16];
    int lane = threadIdx.x;
    for (int i = lane; i < 128; i += 32) {
        sa[i] = a[i];
        sb[i] = bt[i];
    }
    __syncthreads();
    uint32_t a0, a1, b0, b1;
    uint32_t address_a = (uint32_t)__cvta_generic_to_shared(sa + 8 * (lane & 15));
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];"
                 : "=r"(a0), "=r"(a1) : "r"(address_a));
    uint32_t address_b =
        (uint32_t)__cvta_generic_to_shared(sb + 16 * (lane & 7) + 8 * ((lane >> 3) & 1));
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];"
                 : "=r"(b0), "=r"(b1) : "r"(address_b));
    int g = lane >> 2, t = lane & 3;
    float c0 = c[g * 8 + 2 * t], c1 = c[g * 8 + 2 * t + 1];
    float c2 = c[(g + 8) * 8 + 2 * t], c3 = c[(g + 8) * 8 + 2 * t + 1];
    float d0, d1, d2, d3;
    asm volatile(
        "mma.sp::ordered_metadata.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
        "{%0,%1,%2,%3}, {%4,%5}, {%6,%7}, {%8,%9,%10,%11}, %12, 0x1;"
        : "=f"(d0), "=f"(d1), "=f"(d2), "=f"(d3)
        : "r"(a0), "r"(a1), "r"(b0), "r"(b1), "f"(c0), "f"(c1), "f"(c2), "f"(c3), "r"(e[lane]));
    d[g * 8 + 2 * t] = d0;
    d[g * 8 + 2 * t + 1] = d1;
    d[(g + 8) * 8 + 2 * t] = d2;
    d[(g + 8) * 8 + 2 * t + 1] = d3;
}

extern "C" __global__ void atomics(int* counter, float* sum, const float* x) {
    atomicAdd(counter, 1);
    atomicAdd(sum, x[threadIdx.x]);
}

__device__ __noinline__ float twice(float v) { return 2.0f * v; }

extern "C" __global__ void calls(float* x) { x[threadIdx.x] = twice(x[threadIdx.x]); }
