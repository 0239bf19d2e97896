// Every tensor-core variant the simulator supports, as inline assembly in CUDA C++, compiled by
// nvcc; the simulator runs the PTX that nvcc prints (mma_fragments.ptx, committed next to this
// file) and test/sim/test_sim_nvcc.py compares with numpy. Regenerate with
//     nvcc -arch=sm_80 -ptx mma_fragments.cu -o mma_fragments.ptx
// (CUDA 13.0, nvcc V13.0.88). The mma kernels take each lane's fragments straight from global
// memory (lane L reads words [L*n, L*n + n) of A, B, C and word L of the metadata), so the
// host lays out the fragments itself; the ldmatrix kernels let lane L supply the address of
// shared-memory row rows[L] of a 32-row table of 16-byte rows.
#include <stdint.h>

// D (f32) = A B + C (f32) with NA A and NB B registers; TAIL holds mma.sp's metadata, selector.
#define MMA_F32(NAME, INSTRUCTION, NA, NB, A_LIST, B_LIST, TAIL)                                 \
    extern "C" __global__ void NAME(const uint32_t* a, const uint32_t* b, const float* c,        \
                                    const uint32_t* e, float* d) {                               \
        int lane = threadIdx.x;                                                                  \
        uint32_t ra[4] = {0, 0, 0, 0}, rb[4] = {0, 0, 0, 0};                                     \
        for (int i = 0; i < NA; ++i) ra[i] = a[lane * NA + i];                                   \
        for (int i = 0; i < NB; ++i) rb[i] = b[lane * NB + i];                                   \
        const float* rc = c + 4 * lane;                                                          \
        uint32_t meta = e[lane];                                                                 \
        float rd[4];                                                                             \
        asm volatile(INSTRUCTION " {%0,%1,%2,%3}, " A_LIST ", " B_LIST ", {%12,%13,%14,%15}" TAIL \
                     ";"                                                                         \
                     : "=f"(rd[0]), "=f"(rd[1]), "=f"(rd[2]), "=f"(rd[3])                        \
                     : "r"(ra[0]), "r"(ra[1]), "r"(ra[2]), "r"(ra[3]), "r"(rb[0]), "r"(rb[1]),   \
                       "r"(rb[2]), "r"(rb[3]), "f"(rc[0]), "f"(rc[1]), "f"(rc[2]), "f"(rc[3]),   \
                       "r"(meta));                                                               \
        for (int i = 0; i < 4; ++i) d[4 * lane + i] = rd[i];                                     \
    }

#define SP(SHAPE, TYPE) "mma.sp::ordered_metadata.sync.aligned." SHAPE ".row.col.f32." TYPE "." TYPE ".f32"
#define A2 "{%4,%5}"
#define A4 "{%4,%5,%6,%7}"
#define B2 "{%8,%9}"
#define B4 "{%8,%9,%10,%11}"

MMA_F32(sp_f16_k16_s0, SP("m16n8k16", "f16"), 2, 2, A2, B2, ", %16, 0")
MMA_F32(sp_f16_k16_s1, SP("m16n8k16", "f16"), 2, 2, A2, B2, ", %16, 1")
MMA_F32(sp_f16_k16_s2, SP("m16n8k16", "f16"), 2, 2, A2, B2, ", %16, 2")
MMA_F32(sp_f16_k16_s3, SP("m16n8k16", "f16"), 2, 2, A2, B2, ", %16, 3")
MMA_F32(sp_bf16_k16_s2, SP("m16n8k16", "bf16"), 2, 2, A2, B2, ", %16, 2")
MMA_F32(sp_f16_k32_s0, SP("m16n8k32", "f16"), 4, 4, A4, B4, ", %16, 0")
MMA_F32(sp_f16_k32_s1, SP("m16n8k32", "f16"), 4, 4, A4, B4, ", %16, 1")
MMA_F32(sp_bf16_k32_s1, SP("m16n8k32", "bf16"), 4, 4, A4, B4, ", %16, 1")
MMA_F32(sp_tf32_k8_s2, SP("m16n8k8", "tf32"), 2, 2, A2, B2, ", %16, 2")
MMA_F32(sp_tf32_k16_s0, SP("m16n8k16", "tf32"), 4, 4, A4, B4, ", %16, 0")
MMA_F32(dense_f16, "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", 4, 2, A4, B2, "")
MMA_F32(dense_bf16, "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32", 4, 2, A4, B2, "")

// f16 accumulator: C and D are two f16x2 registers per lane (words 4L and 4L+1 of c and d).
extern "C" __global__ void sp_f16_k16_acc16_s1(const uint32_t* a, const uint32_t* b,
                                               const uint32_t* c, const uint32_t* e,
                                               uint32_t* d) {
    int lane = threadIdx.x;
    uint32_t d0, d1;
    asm volatile(
        "mma.sp::ordered_metadata.sync.aligned.m16n8k16.row.col.f16.f16.f16.f16 "
        "{%0,%1}, {%2,%3}, {%4,%5}, {%6,%7}, %8, 1;"
        : "=r"(d0), "=r"(d1)
        : "r"(a[2 * lane]), "r"(a[2 * lane + 1]), "r"(b[2 * lane]), "r"(b[2 * lane + 1]),
          "r"(c[4 * lane]), "r"(c[4 * lane + 1]), "r"(e[lane]));
    d[4 * lane] = d0;
    d[4 * lane + 1] = d1;
}

// Registers an ldmatrix variant does not write keep 0 ("+r"), so the host can check them.
#define LDMATRIX(NAME, SUFFIX, LIST)                                                       \
    extern "C" __global__ void NAME(const uint16_t* source, const int* rows, uint32_t* out) { \
        __shared__ __align__(16) uint16_t table[32 * 8];                                   \
        int lane = threadIdx.x;                                                            \
        for (int i = lane; i < 256; i += 32) table[i] = source[i];                         \
        __syncthreads();                                                                   \
        uint32_t r[4] = {0, 0, 0, 0};                                                      \
        uint32_t address = (uint32_t)__cvta_generic_to_shared(table + 8 * rows[lane]);     \
        asm volatile("ldmatrix.sync.aligned.m8n8" SUFFIX ".shared.b16 " LIST ", [%4];"     \
                     : "+r"(r[0]), "+r"(r[1]), "+r"(r[2]), "+r"(r[3])                      \
                     : "r"(address));                                                      \
        for (int i = 0; i < 4; ++i) out[4 * lane + i] = r[i];                              \
    }

LDMATRIX(ldm_x1, ".x1", "{%0}")
LDMATRIX(ldm_x2, ".x2", "{%0, %1}")
LDMATRIX(ldm_x4, ".x4", "{%0, %1, %2, %3}")
LDMATRIX(ldm_x1_trans, ".x1.trans", "{%0}")
LDMATRIX(ldm_x2_trans, ".x2.trans", "{%0, %1}")
LDMATRIX(ldm_x4_trans, ".x4.trans", "{%0, %1, %2, %3}")
