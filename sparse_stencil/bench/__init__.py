"""Running kernels and benchmarking them: `sparse-stencil run` and `sparse-stencil bench`.

* :mod:`~.check`: the random input grids and the check of a kernel's step against
  :func:`~sparse_stencil.reference.reference` within the derived per-step bound
  (:func:`~sparse_stencil.kernel.numerics.kernel_error_bound`);
* :mod:`~.paths`: the compiled paths (``sparse``, ``dense``, ``cuda-core``) and the baselines;
* :mod:`~.gpu`: timing on a GPU with CUDA events (pycuda), the device's copy bandwidth, the
  cuDNN baseline (PyTorch); :mod:`~.peer`: peer binaries and the line they print;
* :mod:`~.sass`: the SASS instruction mix of a kernel's cubin (cuobjdump or nvdisasm);
* :mod:`~.runner`: one benchmark over stencils and paths, as a JSON document that
  :mod:`~.schema` describes and validates; :mod:`~.table` and :mod:`~.plot` show it.
"""
