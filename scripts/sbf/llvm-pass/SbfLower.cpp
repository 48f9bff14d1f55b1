// sbf-lower: rewrites an LTO'd Rust module so that upstream LLVM's BPF backend can compile
// it for the Solana SBPF v0 virtual machine. See ../README.md for why each rewrite exists.
//
//   1. checked multiplication (llvm.[us]mul.with.overflow.i64/i128) → 64-bit pieces
//   2. signed division/remainder (absent from SBPF v0) → unsigned with sign fix-up
//   3. 128-bit multiplication → four 32×32 products (the backend only knows libcalls)
//   4. 128-bit division/remainder → a 64-bit fast path, else LLVM's shift-subtract loop
//   5. 128-bit shifts by a variable amount and 128-bit ctlz/cttz (libcalls again) → 64-bit halves
//   6. variable-length or large memcpy/memmove/memset → calls to memcpy/... which this pass
//      defines on the sol_memcpy_/sol_memmove_/sol_memset_/sol_memcmp_ syscalls
//   7. `sret` attributes dropped (the backend refuses them; the pointer stays)
//   8. more than five register arguments → the rest go through a pointer to a struct,
//      uniformly for definitions and direct and indirect calls
//
// A second pass, sbf-soft-float, runs before dead-code elimination: it turns floating-point
// instructions into calls to compiler_builtins' soft-float routines (linked in as bitcode),
// which the backend would otherwise emit as libcalls it refuses. (Anchor's rent-exemption
// arithmetic is `f64`.)
//
// Anything still unsupported afterwards (floats, varargs, …) stops the build with the name
// of the function that holds it.

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Plugins/PassPlugin.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/IntegerDivision.h"

#include <string>
#include <vector>

using namespace llvm;

namespace {

constexpr unsigned MaxRegisterArgs = 5;
// Constant-length copies up to this many bytes stay inline loads/stores.
constexpr uint64_t MaxInlineMemBytes = 128;

struct Wide {
  Value *Hi;
  Value *Lo;
};

// Full 64×64→128-bit product from 32-bit halves (SBPF has no multiply-high).
Wide mulWide64(IRBuilder<> &B, Value *A, Value *C) {
  Type *I64 = B.getInt64Ty();
  Value *Mask = ConstantInt::get(I64, 0xffffffffULL);
  Value *Sh = ConstantInt::get(I64, 32);
  Value *A0 = B.CreateAnd(A, Mask), *A1 = B.CreateLShr(A, Sh);
  Value *C0 = B.CreateAnd(C, Mask), *C1 = B.CreateLShr(C, Sh);
  Value *P00 = B.CreateMul(A0, C0), *P01 = B.CreateMul(A0, C1);
  Value *P10 = B.CreateMul(A1, C0), *P11 = B.CreateMul(A1, C1);
  Value *Mid = B.CreateAdd(B.CreateAdd(B.CreateLShr(P00, Sh), B.CreateAnd(P01, Mask)),
                           B.CreateAnd(P10, Mask));
  Value *Lo = B.CreateOr(B.CreateShl(Mid, Sh), B.CreateAnd(P00, Mask));
  Value *Hi = B.CreateAdd(B.CreateAdd(P11, B.CreateLShr(P01, Sh)),
                          B.CreateAdd(B.CreateLShr(P10, Sh), B.CreateLShr(Mid, Sh)));
  return {Hi, Lo};
}

Wide split128(IRBuilder<> &B, Value *V) {
  Type *I64 = B.getInt64Ty();
  return {B.CreateTrunc(B.CreateLShr(V, ConstantInt::get(V->getType(), 64)), I64),
          B.CreateTrunc(V, I64)};
}

Value *join128(IRBuilder<> &B, Wide W) {
  Type *I128 = B.getInt128Ty();
  return B.CreateOr(B.CreateShl(B.CreateZExt(W.Hi, I128), ConstantInt::get(I128, 64)),
                    B.CreateZExt(W.Lo, I128));
}


struct QuotientRemainder {
  Value *Quotient;
  Value *Remainder;
};

// (U1:U0) / V for U1 < V, so the quotient fits in 64 bits: Knuth's algorithm D on 32-bit
// digits (Hacker's Delight `divlu`), with its two "at most twice" corrections unrolled into
// selects. Native 64-bit divisions only.
QuotientRemainder divide128By64(IRBuilder<> &B, Value *U1, Value *U0, Value *V) {
  Type *I64 = B.getInt64Ty();
  Value *Digit = B.getInt64(1ULL << 32), *Mask = B.getInt64(0xffffffffULL), *Sh32 = B.getInt64(32);
  Value *S = B.CreateBinaryIntrinsic(Intrinsic::ctlz, V, B.getTrue()); // V != 0
  Value *Vn = B.CreateShl(V, S);
  Value *Vn1 = B.CreateLShr(Vn, Sh32), *Vn0 = B.CreateAnd(Vn, Mask);
  // (U0 >> 1) >> (63 - S) is U0 >> (64 - S) without a shift by 64 when S == 0.
  Value *Carry = B.CreateLShr(B.CreateLShr(U0, B.getInt64(1)), B.CreateSub(B.getInt64(63), S));
  Value *Un32 = B.CreateOr(B.CreateShl(U1, S), Carry);
  Value *Un10 = B.CreateShl(U0, S);
  Value *Un1 = B.CreateLShr(Un10, Sh32), *Un0 = B.CreateAnd(Un10, Mask);

  auto Digit32 = [&](Value *Top, Value *Next) -> Value * {
    Value *Q = B.CreateUDiv(Top, Vn1);
    Value *Rhat = B.CreateSub(Top, B.CreateMul(Q, Vn1));
    auto TooBig = [&](Value *Q, Value *Rhat) {
      return B.CreateOr(B.CreateICmpUGE(Q, Digit),
                        B.CreateICmpUGT(B.CreateMul(Q, Vn0), B.CreateOr(B.CreateShl(Rhat, Sh32), Next)));
    };
    Value *First = TooBig(Q, Rhat);
    Q = B.CreateSub(Q, B.CreateZExt(First, I64));
    Rhat = B.CreateAdd(Rhat, B.CreateSelect(First, Vn1, B.getInt64(0)));
    Value *Second = B.CreateAnd(B.CreateAnd(First, B.CreateICmpULT(Rhat, Digit)), TooBig(Q, Rhat));
    return B.CreateSub(Q, B.CreateZExt(Second, I64));
  };
  Value *Q1 = Digit32(Un32, Un1);
  Value *Un21 = B.CreateSub(B.CreateOr(B.CreateShl(Un32, Sh32), Un1), B.CreateMul(Q1, Vn));
  Value *Q0 = Digit32(Un21, Un0);
  Value *Rem = B.CreateLShr(B.CreateSub(B.CreateOr(B.CreateShl(Un21, Sh32), Un0), B.CreateMul(Q0, Vn)), S);
  return {B.CreateOr(B.CreateShl(Q1, Sh32), Q0), Rem};
}

class Lowering {
public:
  explicit Lowering(Module &M) : M(M), Ctx(M.getContext()) {}

  bool run() {
    lowerOverflowMultiplies();
    lowerSignedDivision();
    lowerWideDivision(); // before multiplies: the remainder expansion multiplies in i128
    lowerWideMultiplies();
    lowerWideShifts();
    lowerWideBitCounts();
    lowerMemIntrinsics();
    dropSret();
    passExtraArgumentsThroughMemory();
    return reportUnsupported();
  }

private:
  Module &M;
  LLVMContext &Ctx;

  template <typename Pred> std::vector<Instruction *> collect(Pred P) {
    std::vector<Instruction *> Found;
    for (Function &F : M)
      for (Instruction &I : instructions(F))
        if (P(I))
          Found.push_back(&I);
    return Found;
  }

  // 1. Checked multiplication. The wrapped result is the plain product (native for i64);
  // only the overflow bit needs the high half.
  void lowerOverflowMultiplies() {
    auto Calls = collect([](Instruction &I) {
      auto *II = dyn_cast<IntrinsicInst>(&I);
      if (!II)
        return false;
      auto ID = II->getIntrinsicID();
      if (ID != Intrinsic::umul_with_overflow && ID != Intrinsic::smul_with_overflow)
        return false;
      unsigned Bits = II->getArgOperand(0)->getType()->getIntegerBitWidth();
      return Bits == 64 || Bits == 128;
    });
    for (Instruction *I : Calls) {
      auto *II = cast<IntrinsicInst>(I);
      IRBuilder<> B(II);
      Value *A = II->getArgOperand(0), *C = II->getArgOperand(1);
      unsigned Bits = A->getType()->getIntegerBitWidth();
      bool Signed = II->getIntrinsicID() == Intrinsic::smul_with_overflow;
      Value *Product = B.CreateMul(A, C);
      Value *Overflow;
      if (Bits == 64 && !Signed) {
        Overflow = B.CreateICmpNE(mulWide64(B, A, C).Hi, B.getInt64(0));
      } else if (Bits == 64) {
        Value *Zero = B.getInt64(0);
        Value *NegA = B.CreateICmpSLT(A, Zero), *NegC = B.CreateICmpSLT(C, Zero);
        Value *AbsA = B.CreateSelect(NegA, B.CreateNeg(A), A);
        Value *AbsC = B.CreateSelect(NegC, B.CreateNeg(C), C);
        Wide W = mulWide64(B, AbsA, AbsC);
        Value *Negative = B.CreateXor(NegA, NegC);
        // |result| may reach 2^63 only when the result is negative.
        Value *Limit = B.CreateSelect(Negative, B.getInt64(1ULL << 63), B.getInt64((1ULL << 63) - 1));
        Overflow = B.CreateOr(B.CreateICmpNE(W.Hi, Zero), B.CreateICmpUGT(W.Lo, Limit));
      } else if (!Signed) {
        Wide WA = split128(B, A), WC = split128(B, C);
        Value *Zero = B.getInt64(0);
        Value *BothHigh = B.CreateAnd(B.CreateICmpNE(WA.Hi, Zero), B.CreateICmpNE(WC.Hi, Zero));
        Wide Low = mulWide64(B, WA.Lo, WC.Lo);
        Wide Cross1 = mulWide64(B, WA.Hi, WC.Lo);
        Wide Cross2 = mulWide64(B, WA.Lo, WC.Hi);
        Value *CrossHigh = B.CreateOr(B.CreateICmpNE(Cross1.Hi, Zero), B.CreateICmpNE(Cross2.Hi, Zero));
        Value *Sum1 = B.CreateAdd(Low.Hi, Cross1.Lo);
        Value *Carry1 = B.CreateICmpULT(Sum1, Low.Hi);
        Value *Sum2 = B.CreateAdd(Sum1, Cross2.Lo);
        Value *Carry2 = B.CreateICmpULT(Sum2, Sum1);
        Overflow = B.CreateOr(B.CreateOr(BothHigh, CrossHigh), B.CreateOr(Carry1, Carry2));
      } else {
        continue; // i128 smul.with.overflow: reported as unsupported below.
      }
      Value *Result = PoisonValue::get(II->getType());
      Result = B.CreateInsertValue(Result, Product, 0);
      Result = B.CreateInsertValue(Result, Overflow, 1);
      II->replaceAllUsesWith(Result);
      II->eraseFromParent();
    }
  }

  // 2. Signed division: |a| / |b| unsigned, then the sign. (Rust has already ruled out
  // division by zero and MIN / -1 before it divides.)
  void lowerSignedDivision() {
    auto Ops = collect([](Instruction &I) {
      return (I.getOpcode() == Instruction::SDiv || I.getOpcode() == Instruction::SRem) &&
             I.getType()->isIntegerTy();
    });
    for (Instruction *I : Ops) {
      IRBuilder<> B(I);
      Value *A = I->getOperand(0), *C = I->getOperand(1);
      Type *T = A->getType();
      Value *Shift = ConstantInt::get(T, T->getIntegerBitWidth() - 1);
      Value *SignA = B.CreateAShr(A, Shift), *SignC = B.CreateAShr(C, Shift);
      Value *AbsA = B.CreateSub(B.CreateXor(A, SignA), SignA);
      Value *AbsC = B.CreateSub(B.CreateXor(C, SignC), SignC);
      Value *Result;
      if (I->getOpcode() == Instruction::SDiv) {
        Value *Sign = B.CreateXor(SignA, SignC);
        Result = B.CreateSub(B.CreateXor(B.CreateUDiv(AbsA, AbsC), Sign), Sign);
      } else {
        Result = B.CreateSub(B.CreateXor(B.CreateURem(AbsA, AbsC), SignA), SignA);
      }
      I->replaceAllUsesWith(Result);
      I->eraseFromParent();
    }
  }

  // 3. i128 multiplication, wrapping: low×low in full, cross terms only in the high half.
  void lowerWideMultiplies() {
    auto Ops = collect([](Instruction &I) {
      return I.getOpcode() == Instruction::Mul && I.getType()->isIntegerTy(128);
    });
    for (Instruction *I : Ops) {
      IRBuilder<> B(I);
      Wide A = split128(B, I->getOperand(0)), C = split128(B, I->getOperand(1));
      Wide Low = mulWide64(B, A.Lo, C.Lo);
      Value *Hi = B.CreateAdd(Low.Hi, B.CreateAdd(B.CreateMul(A.Lo, C.Hi), B.CreateMul(A.Hi, C.Lo)));
      I->replaceAllUsesWith(join128(B, {Hi, Low.Lo}));
      I->eraseFromParent();
    }
  }

  // 4. i128 division, in three cases: both operands fit in 64 bits → one native division;
  // the divisor fits (fees, share prices, reward accumulators) → divide128By64; otherwise
  // LLVM's own shift-subtract expansion (IntegerDivision.h).
  void lowerWideDivision() {
    auto Ops = collect([](Instruction &I) {
      return (I.getOpcode() == Instruction::UDiv || I.getOpcode() == Instruction::URem) &&
             I.getType()->isIntegerTy(128);
    });
    for (Instruction *I : Ops) {
      auto *Op = cast<BinaryOperator>(I);
      bool IsDiv = Op->getOpcode() == Instruction::UDiv;
      IRBuilder<> B(Op);
      Value *A = Op->getOperand(0), *C = Op->getOperand(1);
      Type *I128 = A->getType();
      Value *Zero64 = B.getInt64(0);
      Wide WA = split128(B, A), WC = split128(B, C);
      Value *DivisorFits = B.CreateICmpEQ(WC.Hi, Zero64);
      Value *BothFit = B.CreateAnd(DivisorFits, B.CreateICmpEQ(WA.Hi, Zero64));

      BasicBlock *Start = Op->getParent();
      BasicBlock *Done = Start->splitBasicBlock(Op, "udiv128.done");
      Function *F = Start->getParent();
      BasicBlock *Narrow = BasicBlock::Create(Ctx, "udiv128.narrow", F, Done);
      BasicBlock *Test = BasicBlock::Create(Ctx, "udiv128.test", F, Done);
      BasicBlock *ByWord = BasicBlock::Create(Ctx, "udiv128.byword", F, Done);
      BasicBlock *General = BasicBlock::Create(Ctx, "udiv128.general", F, Done);
      Start->getTerminator()->eraseFromParent();
      B.SetInsertPoint(Start);
      B.CreateCondBr(BothFit, Narrow, Test);

      B.SetInsertPoint(Narrow);
      Value *NarrowResult = B.CreateZExt(IsDiv ? B.CreateUDiv(WA.Lo, WC.Lo) : B.CreateURem(WA.Lo, WC.Lo), I128);
      B.CreateBr(Done);

      B.SetInsertPoint(Test);
      B.CreateCondBr(DivisorFits, ByWord, General);

      B.SetInsertPoint(ByWord);
      Value *QHi = B.CreateUDiv(WA.Hi, WC.Lo);
      Value *RHi = B.CreateURem(WA.Hi, WC.Lo);
      QuotientRemainder Low = divide128By64(B, RHi, WA.Lo, WC.Lo);
      Value *ByWordResult = IsDiv ? join128(B, {QHi, Low.Quotient}) : B.CreateZExt(Low.Remainder, I128);
      B.CreateBr(Done);

      B.SetInsertPoint(General);
      auto *Slow = cast<BinaryOperator>(B.CreateBinOp(Op->getOpcode(), A, C));
      B.CreateBr(Done);

      B.SetInsertPoint(Op);
      PHINode *Phi = B.CreatePHI(I128, 3);
      Phi->addIncoming(NarrowResult, Narrow);
      Phi->addIncoming(ByWordResult, ByWord);
      Phi->addIncoming(Slow, General);
      Op->replaceAllUsesWith(Phi);
      Op->eraseFromParent();
      bool Expanded = IsDiv ? expandDivision(Slow) : expandRemainder(Slow);
      if (!Expanded)
        report_fatal_error("sbf-lower: could not expand a 128-bit division");
    }
  }

  // 5. i128 shifts by an unknown amount. Constant amounts the backend expands itself.
  void lowerWideShifts() {
    auto Ops = collect([](Instruction &I) {
      return I.isShift() && I.getType()->isIntegerTy(128) && !isa<Constant>(I.getOperand(1));
    });
    for (Instruction *I : Ops) {
      IRBuilder<> B(I);
      Type *I64 = B.getInt64Ty();
      Wide X = split128(B, I->getOperand(0));
      Value *N = B.CreateAnd(B.CreateTrunc(I->getOperand(1), I64), B.getInt64(127));
      Value *Big = B.CreateICmpUGE(N, B.getInt64(64));
      Value *S = B.CreateAnd(N, B.getInt64(63));
      // (v >> 1) >> (63 - s) is v >> (64 - s) without the poison of a shift by 64 when s == 0.
      Value *Back = B.CreateSub(B.getInt64(63), S);
      Wide Small, Large;
      switch (I->getOpcode()) {
      case Instruction::Shl:
        Small = {B.CreateOr(B.CreateShl(X.Hi, S), B.CreateLShr(B.CreateLShr(X.Lo, B.getInt64(1)), Back)),
                 B.CreateShl(X.Lo, S)};
        Large = {B.CreateShl(X.Lo, S), B.getInt64(0)};
        break;
      case Instruction::LShr:
        Small = {B.CreateLShr(X.Hi, S),
                 B.CreateOr(B.CreateLShr(X.Lo, S), B.CreateShl(B.CreateShl(X.Hi, B.getInt64(1)), Back))};
        Large = {B.getInt64(0), B.CreateLShr(X.Hi, S)};
        break;
      default: // AShr
        Small = {B.CreateAShr(X.Hi, S),
                 B.CreateOr(B.CreateLShr(X.Lo, S), B.CreateShl(B.CreateShl(X.Hi, B.getInt64(1)), Back))};
        Large = {B.CreateAShr(X.Hi, B.getInt64(63)), B.CreateAShr(X.Hi, S)};
        break;
      }
      Wide Result = {B.CreateSelect(Big, Large.Hi, Small.Hi), B.CreateSelect(Big, Large.Lo, Small.Lo)};
      I->replaceAllUsesWith(join128(B, Result));
      I->eraseFromParent();
    }
  }

  // i128 leading/trailing zero counts (the division expansion uses ctlz) from 64-bit ones.
  void lowerWideBitCounts() {
    auto Calls = collect([](Instruction &I) {
      auto *II = dyn_cast<IntrinsicInst>(&I);
      return II && (II->getIntrinsicID() == Intrinsic::ctlz || II->getIntrinsicID() == Intrinsic::cttz) &&
             II->getType()->isIntegerTy(128);
    });
    for (Instruction *I : Calls) {
      auto *II = cast<IntrinsicInst>(I);
      IRBuilder<> B(II);
      Wide X = split128(B, II->getArgOperand(0));
      bool Leading = II->getIntrinsicID() == Intrinsic::ctlz;
      // Count in the half that decides first; fall through to the other half when it is zero.
      Value *First = Leading ? X.Hi : X.Lo, *Second = Leading ? X.Lo : X.Hi;
      Intrinsic::ID ID = II->getIntrinsicID();
      Value *CountFirst = B.CreateBinaryIntrinsic(ID, First, B.getFalse());
      Value *CountSecond = B.CreateAdd(B.CreateBinaryIntrinsic(ID, Second, B.getFalse()), B.getInt64(64));
      Value *Count = B.CreateSelect(B.CreateICmpEQ(First, B.getInt64(0)), CountSecond, CountFirst);
      II->replaceAllUsesWith(B.CreateZExt(Count, II->getType()));
      II->eraseFromParent();
    }
  }

  // 6. Memory intrinsics.
  Function *syscall(StringRef Name, FunctionType *T) {
    return cast<Function>(M.getOrInsertFunction(Name, T).getCallee());
  }

  // Defines memcpy/memmove/memset/memcmp/bcmp on the syscalls when the module uses them
  // and nobody else defined them.
  void defineMemFunctions() {
    Type *Ptr = PointerType::getUnqual(Ctx), *I64 = Type::getInt64Ty(Ctx), *I32 = Type::getInt32Ty(Ctx);
    Type *Void = Type::getVoidTy(Ctx);
    auto Define = [&](StringRef Name, FunctionType *T) -> Function * {
      Function *F = M.getFunction(Name);
      if (!F || !F->isDeclaration() || F->use_empty())
        return nullptr;
      if (F->getFunctionType() != T)
        report_fatal_error(Twine("sbf-lower: unexpected signature for ") + Name);
      F->setLinkage(GlobalValue::InternalLinkage);
      F->addFnAttr(Attribute::NoUnwind);
      return F;
    };
    FunctionType *CopyT = FunctionType::get(Ptr, {Ptr, Ptr, I64}, false);
    for (StringRef Name : {"memcpy", "memmove"}) {
      Function *F = Define(Name, CopyT);
      if (!F)
        continue;
      BasicBlock *Entry = BasicBlock::Create(Ctx, "entry", F);
      BasicBlock *Copy = BasicBlock::Create(Ctx, "copy", F);
      BasicBlock *Done = BasicBlock::Create(Ctx, "done", F);
      IRBuilder<> B(Entry);
      Value *Dst = F->getArg(0), *Src = F->getArg(1), *Len = F->getArg(2);
      // sol_memcpy_ refuses any overlap, including dst == src, which llvm.memcpy allows.
      B.CreateCondBr(B.CreateICmpEQ(Dst, Src), Done, Copy);
      B.SetInsertPoint(Copy);
      StringRef Sys = Name == "memcpy" ? "sol_memcpy_" : "sol_memmove_";
      B.CreateCall(syscall(Sys, FunctionType::get(Void, {Ptr, Ptr, I64}, false)), {Dst, Src, Len});
      B.CreateBr(Done);
      B.SetInsertPoint(Done);
      B.CreateRet(Dst);
    }
    if (Function *F = Define("memset", FunctionType::get(Ptr, {Ptr, I32, I64}, false))) {
      IRBuilder<> B(BasicBlock::Create(Ctx, "entry", F));
      Value *Byte = B.CreateZExt(B.CreateTrunc(F->getArg(1), B.getInt8Ty()), I64);
      B.CreateCall(syscall("sol_memset_", FunctionType::get(Void, {Ptr, I64, I64}, false)),
                   {F->getArg(0), Byte, F->getArg(2)});
      B.CreateRet(F->getArg(0));
    }
    for (StringRef Name : {"memcmp", "bcmp"}) {
      Function *F = Define(Name, FunctionType::get(I32, {Ptr, Ptr, I64}, false));
      if (!F)
        continue;
      IRBuilder<> B(BasicBlock::Create(Ctx, "entry", F));
      Value *Out = B.CreateAlloca(I32);
      B.CreateCall(syscall("sol_memcmp_", FunctionType::get(Void, {Ptr, Ptr, I64, Ptr}, false)),
                   {F->getArg(0), F->getArg(1), F->getArg(2), Out});
      B.CreateRet(B.CreateLoad(I32, Out));
    }
  }

  void lowerMemIntrinsics() {
    auto Calls = collect([](Instruction &I) {
      auto *MI = dyn_cast<MemIntrinsic>(&I);
      if (!MI)
        return false;
      auto *Len = dyn_cast<ConstantInt>(MI->getLength());
      return !Len || Len->getZExtValue() > MaxInlineMemBytes;
    });
    Type *Ptr = PointerType::getUnqual(Ctx), *I64 = Type::getInt64Ty(Ctx), *I32 = Type::getInt32Ty(Ctx);
    for (Instruction *I : Calls) {
      auto *MI = cast<MemIntrinsic>(I);
      IRBuilder<> B(MI);
      Value *Len = B.CreateZExtOrTrunc(MI->getLength(), I64);
      if (auto *Set = dyn_cast<MemSetInst>(MI)) {
        FunctionCallee F = M.getOrInsertFunction("memset", FunctionType::get(Ptr, {Ptr, I32, I64}, false));
        B.CreateCall(F, {Set->getDest(), B.CreateZExt(Set->getValue(), I32), Len});
      } else {
        auto *Transfer = cast<MemTransferInst>(MI);
        StringRef Name = isa<MemMoveInst>(Transfer) ? "memmove" : "memcpy";
        FunctionCallee F = M.getOrInsertFunction(Name, FunctionType::get(Ptr, {Ptr, Ptr, I64}, false));
        B.CreateCall(F, {Transfer->getDest(), Transfer->getSource(), Len});
      }
      MI->eraseFromParent();
    }
    defineMemFunctions();
  }

  // 7. The backend refuses `sret` parameters; the pointer itself is an ordinary argument.
  void dropSret() {
    for (Function &F : M)
      for (unsigned I = 0; I < F.arg_size(); ++I)
        F.removeParamAttr(I, Attribute::StructRet);
    for (Function &F : M)
      for (Instruction &I : instructions(F))
        if (auto *CB = dyn_cast<CallBase>(&I))
          for (unsigned A = 0; A < CB->arg_size(); ++A)
            CB->removeParamAttr(A, Attribute::StructRet);
  }

  // 8. Arguments past the register budget. A value wider than 64 bits takes two registers.
  static unsigned registerSlots(Type *T) {
    return T->isIntegerTy() && T->getIntegerBitWidth() > 64 ? 2 : 1;
  }

  // How many leading parameters stay in registers; equal to the count when all fit.
  static unsigned registerPrefix(ArrayRef<Type *> Params) {
    unsigned Slots = 0;
    for (Type *T : Params)
      Slots += registerSlots(T);
    if (Slots <= MaxRegisterArgs)
      return Params.size();
    unsigned Kept = 0;
    Slots = 0;
    // Keep what fits in four registers; the fifth carries the pointer to the rest.
    while (Kept < Params.size() && Slots + registerSlots(Params[Kept]) <= MaxRegisterArgs - 1)
      Slots += registerSlots(Params[Kept++]);
    return Kept;
  }

  static FunctionType *spilledType(FunctionType *T, unsigned Kept, StructType *&Rest) {
    ArrayRef<Type *> Params = T->params();
    Rest = StructType::get(T->getContext(), Params.drop_front(Kept));
    SmallVector<Type *, 6> NewParams(Params.take_front(Kept));
    NewParams.push_back(PointerType::getUnqual(T->getContext()));
    return FunctionType::get(T->getReturnType(), NewParams, false);
  }

  static AttributeList keepLeadingParamAttrs(LLVMContext &Ctx, AttributeList Attrs, unsigned Kept) {
    SmallVector<AttributeSet, 6> Params;
    for (unsigned I = 0; I < Kept; ++I)
      Params.push_back(Attrs.getParamAttrs(I));
    Params.push_back(AttributeSet());
    return AttributeList::get(Ctx, Attrs.getFnAttrs(), Attrs.getRetAttrs(), Params);
  }

  void passExtraArgumentsThroughMemory() {
    // Call sites first, direct or indirect, judged by the called type alone.
    auto Calls = collect([](Instruction &I) {
      auto *CB = dyn_cast<CallBase>(&I);
      if (!CB || isa<IntrinsicInst>(CB) || CB->isInlineAsm())
        return false;
      FunctionType *T = CB->getFunctionType();
      return !T->isVarArg() && registerPrefix(T->params()) < T->getNumParams();
    });
    for (Instruction *I : Calls) {
      auto *CB = cast<CallInst>(I);
      FunctionType *Old = CB->getFunctionType();
      if (auto *Callee = CB->getCalledFunction(); Callee && Callee->isDeclaration())
        report_fatal_error(Twine("sbf-lower: external function ") + Callee->getName() + " takes more than " +
                           Twine(MaxRegisterArgs) + " register arguments (called from " +
                           CB->getFunction()->getName() + ")");
      unsigned Kept = registerPrefix(Old->params());
      StructType *Rest;
      FunctionType *New = spilledType(Old, Kept, Rest);
      Function *Caller = CB->getFunction();
      IRBuilder<> Entry(&*Caller->getEntryBlock().getFirstInsertionPt());
      AllocaInst *Spill = Entry.CreateAlloca(Rest, nullptr, "spilled.args");
      IRBuilder<> B(CB);
      SmallVector<Value *, 6> Args;
      for (unsigned A = 0; A < Old->getNumParams(); ++A) {
        if (A < Kept)
          Args.push_back(CB->getArgOperand(A));
        else
          B.CreateStore(CB->getArgOperand(A), B.CreateStructGEP(Rest, Spill, A - Kept));
      }
      Args.push_back(Spill);
      CallInst *NewCall = B.CreateCall(New, CB->getCalledOperand(), Args);
      NewCall->setCallingConv(CB->getCallingConv());
      NewCall->setTailCallKind(CallInst::TCK_None); // the spill area lives in this frame
      NewCall->setAttributes(keepLeadingParamAttrs(Ctx, CB->getAttributes(), Kept));
      NewCall->setDebugLoc(CB->getDebugLoc());
      CB->replaceAllUsesWith(NewCall);
      NewCall->takeName(CB);
      CB->eraseFromParent();
    }

    // Then definitions: same type rule, so every call site above agrees with them.
    std::vector<Function *> Defs;
    for (Function &F : M)
      if (!F.isDeclaration() && !F.isVarArg() && registerPrefix(F.getFunctionType()->params()) < F.arg_size())
        Defs.push_back(&F);
    for (Function *F : Defs) {
      FunctionType *Old = F->getFunctionType();
      unsigned Kept = registerPrefix(Old->params());
      StructType *Rest;
      FunctionType *New = spilledType(Old, Kept, Rest);
      Function *NF = Function::Create(New, F->getLinkage(), F->getAddressSpace(), "", &M);
      NF->copyAttributesFrom(F);
      NF->setAttributes(keepLeadingParamAttrs(Ctx, F->getAttributes(), Kept));
      NF->takeName(F);
      NF->splice(NF->begin(), F);
      IRBuilder<> B(&*NF->getEntryBlock().getFirstInsertionPt());
      Value *RestPtr = NF->getArg(Kept);
      for (unsigned A = 0; A < Old->getNumParams(); ++A) {
        Value *Replacement = A < Kept ? static_cast<Value *>(NF->getArg(A))
                                      : B.CreateLoad(Rest->getElementType(A - Kept),
                                                     B.CreateStructGEP(Rest, RestPtr, A - Kept));
        Replacement->takeName(F->getArg(A));
        F->getArg(A)->replaceAllUsesWith(Replacement);
      }
      F->replaceAllUsesWith(NF);
      F->eraseFromParent();
    }
  }

  // Whatever is left that the backend would refuse, named by function.
  bool reportUnsupported() {
    std::string Problems;
    raw_string_ostream Out(Problems);
    for (Function &F : M) {
      if (F.isDeclaration())
        continue;
      if (F.isVarArg())
        Out << "  " << F.getName() << ": variadic function\n";
      Type *Ret = F.getReturnType();
      bool FitsRegister = Ret->isVoidTy() || Ret->isPointerTy() ||
                          ((Ret->isIntegerTy() || Ret->isFloatingPointTy()) && Ret->getPrimitiveSizeInBits() <= 64);
      if (!FitsRegister)
        Out << "  " << F.getName() << ": returns " << *F.getReturnType() << " (wider than a register)\n";
      for (Instruction &I : instructions(F)) {
        switch (I.getOpcode()) {
        case Instruction::FAdd: case Instruction::FSub: case Instruction::FMul: case Instruction::FDiv:
        case Instruction::FRem: case Instruction::FNeg: case Instruction::FCmp: case Instruction::FPToUI:
        case Instruction::FPToSI: case Instruction::UIToFP: case Instruction::SIToFP: case Instruction::FPExt:
        case Instruction::FPTrunc:
          Out << "  " << F.getName() << ": floating-point " << I.getOpcodeName() << " (SBPF has no floats)\n";
          break;
        default:
          break;
        }
        if (I.isAtomic())
          Out << "  " << F.getName() << ": atomic " << I.getOpcodeName() << " (run lower-atomic first)\n";
        if (auto *II = dyn_cast<IntrinsicInst>(&I))
          if (II->getIntrinsicID() == Intrinsic::smul_with_overflow &&
              II->getArgOperand(0)->getType()->isIntegerTy(128))
            Out << "  " << F.getName() << ": 128-bit signed checked multiplication\n";
      }
    }
    if (!Problems.empty())
      report_fatal_error(Twine("sbf-lower: SBPF v0 cannot run these constructs:\n") + Problems);
    return true;
  }
};


// Floating point → compiler_builtins routines (__muldf3, __floatundidf, __fixunsdfdi, …).
class SoftFloat {
public:
  explicit SoftFloat(Module &M) : M(M), Ctx(M.getContext()) {}

  void run() {
    std::vector<Instruction *> Work;
    for (Function &F : M)
      for (Instruction &I : instructions(F))
        if (needsLowering(I))
          Work.push_back(&I);
    // What can't be lowered stays as it is (a few leftover helper instructions are dead):
    // if it is live after dead-code elimination, sbf-lower's final check names the function.
    for (Instruction *I : Work)
      lower(I);
  }

private:
  Module &M;
  LLVMContext &Ctx;

  static bool isFloatOp(unsigned Op) {
    switch (Op) {
    case Instruction::FAdd: case Instruction::FSub: case Instruction::FMul: case Instruction::FDiv:
    case Instruction::FNeg: case Instruction::FCmp: case Instruction::FPToUI: case Instruction::FPToSI:
    case Instruction::UIToFP: case Instruction::SIToFP: case Instruction::FPExt: case Instruction::FPTrunc:
      return true;
    default:
      return false;
    }
  }

  static bool needsLowering(Instruction &I) {
    if (isFloatOp(I.getOpcode()))
      return true;
    if (auto *II = dyn_cast<IntrinsicInst>(&I))
      switch (II->getIntrinsicID()) {
      case Intrinsic::fptoui_sat: case Intrinsic::fptosi_sat: case Intrinsic::fabs:
        return true;
      default:
        break;
      }
    return false;
  }

  static const char *suffix(Type *T) { return T->isDoubleTy() ? "df" : "sf"; }

  Function *routine(const Twine &Name, Instruction *User) {
    Function *F = M.getFunction(Name.str());
    return F && !F->isDeclaration() ? F : nullptr; // else compiler_builtins did not provide it
  }

  Value *call(IRBuilder<> &B, const Twine &Name, Instruction *User, ArrayRef<Value *> Args) {
    Function *F = routine(Name, User);
    if (!F)
      return nullptr;
    SmallVector<Value *, 2> Cast;
    for (unsigned A = 0; A < Args.size(); ++A) {
      Type *Want = F->getFunctionType()->getParamType(A);
      bool Int = Args[A]->getType()->isIntegerTy() && Want->isIntegerTy();
      Cast.push_back(Int ? B.CreateZExtOrTrunc(Args[A], Want) : Args[A]);
    }
    return B.CreateCall(F, Cast);
  }

  static bool supported(Type *T) { return T->isDoubleTy() || T->isFloatTy(); }

  static bool intWidthOk(Type *T) { return T->isIntegerTy() && T->getIntegerBitWidth() <= 64; }


  // Signed comparison result of __cmpXf2-style routines.
  Value *compare(IRBuilder<> &B, const char *Base, Instruction *I, Value *A, Value *C, CmpInst::Predicate P) {
    Value *R = call(B, Twine("__") + Base + suffix(A->getType()) + "2", I, {A, C});
    if (!R)
      return nullptr;
    return B.CreateICmp(P, R, ConstantInt::get(R->getType(), 0));
  }

  void lower(Instruction *I) {
    IRBuilder<> B(I);
    Value *Result = nullptr;
    Type *T = I->getType();
    auto *II = dyn_cast<IntrinsicInst>(I);
    if (II && II->getIntrinsicID() == Intrinsic::fabs) {
      if (!supported(T))
        return;
      Type *IntT = B.getIntNTy(T->getPrimitiveSizeInBits());
      Value *Bits = B.CreateBitCast(II->getArgOperand(0), IntT);
      APInt Mask = APInt::getSignedMaxValue(IntT->getIntegerBitWidth());
      Result = B.CreateBitCast(B.CreateAnd(Bits, ConstantInt::get(IntT, Mask)), T);
    } else if (II) { // fptoui.sat / fptosi.sat: compiler_builtins converts with Rust's saturation
      Value *X = II->getArgOperand(0);
      if (!supported(X->getType()) || !intWidthOk(T))
        return;
      bool Unsigned = II->getIntrinsicID() == Intrinsic::fptoui_sat;
      const char *Size = T->getIntegerBitWidth() > 32 ? "di" : "si";
      if (Value *Wide = call(B, Twine(Unsigned ? "__fixuns" : "__fix") + suffix(X->getType()) + Size, I, {X}))
        Result = B.CreateTrunc(Wide, T);
    } else {
      switch (I->getOpcode()) {
      case Instruction::FAdd: case Instruction::FSub: case Instruction::FMul: case Instruction::FDiv: {
        if (!supported(T))
          return;
        const char *Name = I->getOpcode() == Instruction::FAdd ? "add"
                           : I->getOpcode() == Instruction::FSub ? "sub"
                           : I->getOpcode() == Instruction::FMul ? "mul" : "div";
        Result = call(B, Twine("__") + Name + suffix(T) + "3", I, {I->getOperand(0), I->getOperand(1)});
        break;
      }
      case Instruction::FNeg: {
        if (!supported(T))
          return;
        Type *IntT = B.getIntNTy(T->getPrimitiveSizeInBits());
        Value *Bits = B.CreateBitCast(I->getOperand(0), IntT);
        Result = B.CreateBitCast(B.CreateXor(Bits, ConstantInt::get(IntT, APInt::getSignMask(IntT->getIntegerBitWidth()))), T);
        break;
      }
      case Instruction::FCmp: {
        Value *A = I->getOperand(0), *C = I->getOperand(1);
        if (!supported(A->getType()))
          return;
        auto Unordered = [&] { return compare(B, "unord", I, A, C, CmpInst::ICMP_NE); };
        auto Both = [&](Value *X, Value *Y, bool And) -> Value * {
          if (!X || !Y)
            return nullptr;
          return And ? B.CreateAnd(X, Y) : B.CreateOr(X, Y);
        };
        // compiler-rt conventions: __lt/__le/__eq/__ne return 1 and __gt/__ge return -1
        // when either side is NaN, so each predicate picks the routine that answers it.
        switch (cast<FCmpInst>(I)->getPredicate()) {
        case CmpInst::FCMP_FALSE: Result = B.getFalse(); break;
        case CmpInst::FCMP_TRUE: Result = B.getTrue(); break;
        case CmpInst::FCMP_OEQ: Result = compare(B, "eq", I, A, C, CmpInst::ICMP_EQ); break;
        case CmpInst::FCMP_UNE: Result = compare(B, "ne", I, A, C, CmpInst::ICMP_NE); break;
        case CmpInst::FCMP_OLT: Result = compare(B, "lt", I, A, C, CmpInst::ICMP_SLT); break;
        case CmpInst::FCMP_OLE: Result = compare(B, "le", I, A, C, CmpInst::ICMP_SLE); break;
        case CmpInst::FCMP_OGT: Result = compare(B, "gt", I, A, C, CmpInst::ICMP_SGT); break;
        case CmpInst::FCMP_OGE: Result = compare(B, "ge", I, A, C, CmpInst::ICMP_SGE); break;
        case CmpInst::FCMP_ULT: Result = compare(B, "ge", I, A, C, CmpInst::ICMP_SLT); break;
        case CmpInst::FCMP_ULE: Result = compare(B, "gt", I, A, C, CmpInst::ICMP_SLE); break;
        case CmpInst::FCMP_UGT: Result = compare(B, "le", I, A, C, CmpInst::ICMP_SGT); break;
        case CmpInst::FCMP_UGE: Result = compare(B, "lt", I, A, C, CmpInst::ICMP_SGE); break;
        case CmpInst::FCMP_UNO: Result = Unordered(); break;
        case CmpInst::FCMP_ORD:
          Result = compare(B, "unord", I, A, C, CmpInst::ICMP_EQ);
          break;
        case CmpInst::FCMP_ONE:
          Result = Both(compare(B, "unord", I, A, C, CmpInst::ICMP_EQ), compare(B, "ne", I, A, C, CmpInst::ICMP_NE), true);
          break;
        case CmpInst::FCMP_UEQ:
          Result = Both(Unordered(), compare(B, "eq", I, A, C, CmpInst::ICMP_EQ), false);
          break;
        default:
          return;
        }
        break;
      }
      case Instruction::FPToUI: case Instruction::FPToSI: {
        Value *X = I->getOperand(0);
        if (!supported(X->getType()) || !intWidthOk(T))
          return;
        const char *Size = T->getIntegerBitWidth() > 32 ? "di" : "si";
        const char *Kind = I->getOpcode() == Instruction::FPToUI ? "__fixuns" : "__fix";
        if (Value *Wide = call(B, Twine(Kind) + suffix(X->getType()) + Size, I, {X}))
          Result = B.CreateTrunc(Wide, T);
        break;
      }
      case Instruction::UIToFP: case Instruction::SIToFP: {
        Value *X = I->getOperand(0);
        if (!supported(T) || !intWidthOk(X->getType()))
          return;
        bool Unsigned = I->getOpcode() == Instruction::UIToFP;
        bool Wide = X->getType()->getIntegerBitWidth() > 32;
        Value *Arg = Unsigned ? B.CreateZExt(X, Wide ? B.getInt64Ty() : B.getInt32Ty())
                              : B.CreateSExt(X, Wide ? B.getInt64Ty() : B.getInt32Ty());
        Result = call(B, Twine(Unsigned ? "__floatun" : "__float") + (Wide ? "di" : "si") + suffix(T), I, {Arg});
        break;
      }
      case Instruction::FPExt:
        if (!T->isDoubleTy() || !I->getOperand(0)->getType()->isFloatTy())
          return;
        Result = call(B, "__extendsfdf2", I, {I->getOperand(0)});
        break;
      case Instruction::FPTrunc:
        if (!T->isFloatTy() || !I->getOperand(0)->getType()->isDoubleTy())
          return;
        Result = call(B, "__truncdfsf2", I, {I->getOperand(0)});
        break;
      default:
        return;
      }
    }
    if (!Result)
      return;
    I->replaceAllUsesWith(Result);
    I->eraseFromParent();
  }
};

struct SbfSoftFloatPass : PassInfoMixin<SbfSoftFloatPass> {
  PreservedAnalyses run(Module &M, ModuleAnalysisManager &) {
    SoftFloat(M).run();
    return PreservedAnalyses::none();
  }
  static bool isRequired() { return true; }
};

struct SbfLowerPass : PassInfoMixin<SbfLowerPass> {
  PreservedAnalyses run(Module &M, ModuleAnalysisManager &) {
    Lowering(M).run();
    return PreservedAnalyses::none();
  }
  static bool isRequired() { return true; }
};

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "sbf-lower", "0.1", [](PassBuilder &PB) {
            PB.registerPipelineParsingCallback(
                [](StringRef Name, ModulePassManager &MPM, ArrayRef<PassBuilder::PipelineElement>) {
                  if (Name == "sbf-lower") {
                    MPM.addPass(SbfLowerPass());
                    return true;
                  }
                  if (Name == "sbf-soft-float") {
                    MPM.addPass(SbfSoftFloatPass());
                    return true;
                  }
                  return false;
                });
          }};
}
