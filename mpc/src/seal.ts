import type { CKKSEncoder, Evaluator, MainModule, SEALContext } from 'node-seal';
import SEAL from 'node-seal';
import { paramSet, type TParamSet, type TParamSetId } from './params.ts';

export type TSeal = MainModule;

/** A parameter set's SEAL context with its encoder and evaluator, built once per process. */
export type THeContext = {
  seal: TSeal;
  set: TParamSet;
  context: SEALContext;
  encoder: CKKSEncoder;
  evaluator: Evaluator;
  scale: number;
  /** The data primes of the first level, in chain order: a rescale divides by the last one left. */
  primes: number[];
};

let module: Promise<TSeal> | null = null;
const contexts = new Map<TParamSetId, Promise<THeContext>>();

/**
 * The SEAL WebAssembly module, loaded once. node-seal's default `locateFile` looks for the wasm
 * beside its own entry file, which a bundler moves and renames; without it SEAL asks for
 * `new URL('seal_throws.wasm', import.meta.url)`, which names the same file in Node and which
 * bundlers (Vite, webpack) rewrite to the asset they emit, so the browser fetches the right one.
 */
export function loadSeal(): Promise<TSeal> {
  module ??= SEAL({ locateFile: undefined });
  return module;
}

/**
 * The context of parameter set `id`, built on first use and kept: building one takes 0.3–0.8 s
 * and SEAL's heap never shrinks, so a process holds at most one per set. SEAL refuses parameters
 * outside its 128-bit table here.
 */
export function heContext(id: TParamSetId): Promise<THeContext> {
  let ctx = contexts.get(id);
  if (!ctx) {
    ctx = build(paramSet(id));
    contexts.set(id, ctx);
  }
  return ctx;
}

async function build(set: TParamSet): Promise<THeContext> {
  const seal = await loadSeal();
  const parms = new seal.EncryptionParameters(seal.SchemeType.ckks);
  const moduli = seal.CoeffModulus.Create(set.polyModulusDegree, Int32Array.from(set.coeffModulusBits));
  try {
    parms.setPolyModulusDegree(set.polyModulusDegree);
    parms.setCoeffModulus(moduli);
    const context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
    if (!context.parametersSet()) throw new Error(`SEAL refused parameter set ${set.id}`);
    const first = context.firstContextData();
    const firstParms = first.parms();
    const chain = firstParms.coeffModulus();
    const primes = Array.from({ length: chain.size() }, (_, i) => Number(chain.get(i)!.value()));
    chain.delete();
    firstParms.delete();
    first.delete();
    return {
      primes,
      seal,
      set,
      context,
      encoder: new seal.CKKSEncoder(context),
      evaluator: new seal.Evaluator(context),
      scale: 2 ** set.scaleBits,
    };
  } finally {
    moduli.delete();
    parms.delete();
  }
}
