// Found by fuzzing: the second iter_arg takes %fim1, which only the loop's region defines
// (its first block argument). xDSL's parser leaves that operand without an owner.
func.func @swap(%f0 : !stencil.field<[-1,17]xf32>, %f1 : !stencil.field<[-1,17]xf32>) {
  %lb = arith.constant 0 : index
  %ub = arith.constant 4 : index
  %one = arith.constant 1 : index
  %r0, %r1 = scf.for %i = %lb to %ub step %one iter_args(%fim1 = %f0, %fi = %fim1) -> (!stencil.field<[-1,17]xf32>, !stencil.field<[-1,17]xf32>) {
    scf.yield %fi, %fim1 : !stencil.field<[-1,17]xf32>, !stencil.field<[-1,17]xf32>
  }
  func.return
}
