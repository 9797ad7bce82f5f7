// A compute-heavy app for offloading (issue 6): a chess engine's move search in plain JS. A 0x88 board,
// legal move generation (promotions included; castling and en passant are left out of this small
// engine), material plus piece-square evaluation, negamax alpha-beta with iterative deepening to a fixed
// DEPTH, captures ordered first (MVV-LVA) and a capture-only quiescence search. No clock and no
// randomness: the same search gives the same move, score and node count wherever it runs. The app keeps
// the game (a list of positions and moves) in its state and prints the search's result per depth.
//   node bin/snapvm.js run bench/offload/apps/chess.js [DEPTH] [PLIES]
//   node bin/snapvm.js run bench/offload/apps/chess.js 4 2 --edge ws://127.0.0.1:8787 --edge-report
// It searches PLIES moves of a game from a middlegame position, each to DEPTH; `snapvm.offload(fn,
// ...args)` moves the app (game included) to the edge for the searches and back after.
'use strict';

const argv = typeof snapvm === 'object' ? snapvm.argv : [];
const DEPTH = Number(argv[1] || 4);
const PLIES = Number(argv[2] || 2);

const EMPTY = 0, PAWN = 1, KNIGHT = 2, BISHOP = 3, ROOK = 4, QUEEN = 5, KING = 6;
const WHITE = 8, BLACK = 16;
const VALUE = [0, 100, 320, 330, 500, 900, 20000];
const LETTERS = '.pnbrqk';
const KNIGHT_STEPS = [33, 31, 18, 14, -33, -31, -18, -14];
const KING_STEPS = [1, -1, 16, -16, 17, 15, -17, -15];
const BISHOP_STEPS = [17, 15, -17, -15];
const ROOK_STEPS = [1, -1, 16, -16];

// piece-square bonus (white's view, a8 first), by piece; black's is mirrored
const PST = {
  [PAWN]: [0, 0, 0, 0, 0, 0, 0, 0, 50, 50, 50, 50, 50, 50, 50, 50, 10, 10, 20, 30, 30, 20, 10, 10, 5, 5, 10, 25, 25, 10, 5, 5, 0, 0, 0, 20, 20, 0, 0, 0, 5, -5, -10, 0, 0, -10, -5, 5, 5, 10, 10, -20, -20, 10, 10, 5, 0, 0, 0, 0, 0, 0, 0, 0],
  [KNIGHT]: [-50, -40, -30, -30, -30, -30, -40, -50, -40, -20, 0, 0, 0, 0, -20, -40, -30, 0, 10, 15, 15, 10, 0, -30, -30, 5, 15, 20, 20, 15, 5, -30, -30, 0, 15, 20, 20, 15, 0, -30, -30, 5, 10, 15, 15, 10, 5, -30, -40, -20, 0, 5, 5, 0, -20, -40, -50, -40, -30, -30, -30, -30, -40, -50],
  [BISHOP]: [-20, -10, -10, -10, -10, -10, -10, -20, -10, 0, 0, 0, 0, 0, 0, -10, -10, 0, 5, 10, 10, 5, 0, -10, -10, 5, 5, 10, 10, 5, 5, -10, -10, 0, 10, 10, 10, 10, 0, -10, -10, 10, 10, 10, 10, 10, 10, -10, -10, 5, 0, 0, 0, 0, 5, -10, -20, -10, -10, -10, -10, -10, -10, -20],
  [ROOK]: [0, 0, 0, 0, 0, 0, 0, 0, 5, 10, 10, 10, 10, 10, 10, 5, -5, 0, 0, 0, 0, 0, 0, -5, -5, 0, 0, 0, 0, 0, 0, -5, -5, 0, 0, 0, 0, 0, 0, -5, -5, 0, 0, 0, 0, 0, 0, -5, -5, 0, 0, 0, 0, 0, 0, -5, 0, 0, 0, 5, 5, 0, 0, 0],
  [QUEEN]: [-20, -10, -10, -5, -5, -10, -10, -20, -10, 0, 0, 0, 0, 0, 0, -10, -10, 0, 5, 5, 5, 5, 0, -10, -5, 0, 5, 5, 5, 5, 0, -5, 0, 0, 5, 5, 5, 5, 0, -5, -10, 5, 5, 5, 5, 5, 0, -10, -10, 0, 5, 0, 0, 0, 0, -10, -20, -10, -10, -5, -5, -10, -10, -20],
  [KING]: [-30, -40, -40, -50, -50, -40, -40, -30, -30, -40, -40, -50, -50, -40, -40, -30, -30, -40, -40, -50, -50, -40, -40, -30, -30, -40, -40, -50, -50, -40, -40, -30, -20, -30, -30, -40, -40, -30, -30, -20, -10, -20, -20, -20, -20, -20, -20, -10, 20, 20, 0, 0, 0, 0, 20, 20, 20, 30, 10, 0, 0, 10, 30, 20],
};

/** A position from the board part and side of a FEN string (0x88 squares: rank r, file f → 16·(7−r)+f). */
function fromFen(fen) {
  const [rows, side] = fen.split(' ');
  const board = new Int8Array(128);
  let sq = 0;
  for (const ch of rows) {
    if (ch === '/') sq += 8;
    else if (ch >= '1' && ch <= '8') sq += Number(ch);
    else {
      const type = LETTERS.indexOf(ch.toLowerCase());
      if (type <= 0) throw new Error(`bad FEN piece '${ch}'`);
      board[sq++] = type | (ch === ch.toLowerCase() ? BLACK : WHITE);
    }
  }
  return { board, side: side === 'b' ? BLACK : WHITE };
}

const name = (sq) => 'abcdefgh'[sq & 7] + (8 - (sq >> 4));
const moveName = (m) => name(m.from) + name(m.to) + (m.promote ? LETTERS[m.promote] : '');

function attacked(board, sq, by) {
  const pawnDir = by === WHITE ? 16 : -16; // a white pawn attacks from the square below (higher index)
  for (const d of [pawnDir - 1, pawnDir + 1]) {
    const s = sq + d;
    if (!(s & 0x88) && board[s] === (PAWN | by)) return true;
  }
  for (const d of KNIGHT_STEPS) { const s = sq + d; if (!(s & 0x88) && board[s] === (KNIGHT | by)) return true; }
  for (const d of KING_STEPS) { const s = sq + d; if (!(s & 0x88) && board[s] === (KING | by)) return true; }
  for (const d of BISHOP_STEPS) {
    for (let s = sq + d; !(s & 0x88); s += d) {
      const p = board[s];
      if (p) { if ((p & by) && ((p & 7) === BISHOP || (p & 7) === QUEEN)) return true; break; }
    }
  }
  for (const d of ROOK_STEPS) {
    for (let s = sq + d; !(s & 0x88); s += d) {
      const p = board[s];
      if (p) { if ((p & by) && ((p & 7) === ROOK || (p & 7) === QUEEN)) return true; break; }
    }
  }
  return false;
}

/** Pseudo-legal moves of `side` (captures only if `capturesOnly`), captures first by MVV-LVA. */
function moves(board, side, capturesOnly) {
  const out = [];
  const enemy = side ^ (WHITE | BLACK);
  const add = (from, to, piece) => {
    const victim = board[to] & 7;
    if (capturesOnly && !victim) return;
    const promote = (piece & 7) === PAWN && (to >> 4 === 0 || to >> 4 === 7) ? QUEEN : 0;
    out.push({ from, to, promote, order: victim ? VALUE[victim] * 10 - VALUE[piece & 7] / 10 : promote ? 800 : 0 });
  };
  for (let from = 0; from < 128; from++) {
    if (from & 0x88) { from += 7; continue; }
    const piece = board[from];
    if (!(piece & side)) continue;
    const type = piece & 7;
    if (type === PAWN) {
      const dir = side === WHITE ? -16 : 16;
      const one = from + dir;
      if (!(one & 0x88) && !board[one]) {
        add(from, one, piece);
        const startRank = side === WHITE ? 6 : 1;
        if (from >> 4 === startRank && !board[one + dir]) add(from, one + dir, piece);
      }
      for (const s of [one - 1, one + 1]) if (!(s & 0x88) && (board[s] & enemy)) add(from, s, piece);
    } else if (type === KNIGHT || type === KING) {
      for (const d of type === KNIGHT ? KNIGHT_STEPS : KING_STEPS) {
        const s = from + d;
        if (!(s & 0x88) && !(board[s] & side)) add(from, s, piece);
      }
    } else {
      const dirs = type === BISHOP ? BISHOP_STEPS : type === ROOK ? ROOK_STEPS : KING_STEPS;
      for (const d of dirs) {
        for (let s = from + d; !(s & 0x88); s += d) {
          if (board[s] & side) break;
          add(from, s, piece);
          if (board[s]) break;
        }
      }
    }
  }
  out.sort((a, b) => b.order - a.order);
  return out;
}

function evaluate(board, side) {
  let score = 0;
  for (let sq = 0; sq < 128; sq++) {
    if (sq & 0x88) { sq += 7; continue; }
    const p = board[sq];
    if (!p) continue;
    const type = p & 7;
    const idx = (sq >> 4) * 8 + (sq & 7);
    const v = VALUE[type] + PST[type][p & WHITE ? idx : (7 - (sq >> 4)) * 8 + (sq & 7)];
    score += p & WHITE ? v : -v;
  }
  return side === WHITE ? score : -score;
}

function kingSquare(board, side) {
  for (let sq = 0; sq < 128; sq++) if (!(sq & 0x88) && board[sq] === (KING | side)) return sq;
  return -1;
}

/** Make `m`, call `f` if it does not leave the mover's king attacked, unmake; whether it was legal. */
function tryMove(board, side, m, f) {
  const moved = board[m.from], captured = board[m.to];
  board[m.to] = m.promote ? m.promote | side : moved;
  board[m.from] = EMPTY;
  const legal = !attacked(board, kingSquare(board, side), side ^ (WHITE | BLACK));
  if (legal) f();
  board[m.from] = moved;
  board[m.to] = captured;
  return legal;
}

const MATE = 100000;

function search(state, board, side, depth, alpha, beta, ply) {
  state.nodes++;
  if (depth <= 0) return quiesce(state, board, side, alpha, beta);
  let legalMoves = 0;
  for (const m of moves(board, side, false)) {
    let score = 0;
    const legal = tryMove(board, side, m, () => {
      score = -search(state, board, side ^ (WHITE | BLACK), depth - 1, -beta, -alpha, ply + 1);
    });
    if (!legal) continue;
    legalMoves++;
    if (score > alpha) {
      alpha = score;
      if (ply === 0) state.best = m;
      if (alpha >= beta) break;
    }
  }
  if (legalMoves === 0) return attacked(board, kingSquare(board, side), side ^ (WHITE | BLACK)) ? -MATE + ply : 0;
  return alpha;
}

function quiesce(state, board, side, alpha, beta) {
  state.nodes++;
  const stand = evaluate(board, side);
  if (stand >= beta) return beta;
  if (stand > alpha) alpha = stand;
  for (const m of moves(board, side, true)) {
    let score = 0;
    const legal = tryMove(board, side, m, () => {
      score = -quiesce(state, board, side ^ (WHITE | BLACK), -beta, -alpha);
    });
    if (legal && score > alpha) {
      alpha = score;
      if (alpha >= beta) break;
    }
  }
  return alpha;
}

// The heavy part: PLIES moves of the game, each the best move of an iterative-deepening search to DEPTH.
function play(game, depth, plies) {
  const lines = [];
  for (let p = 0; p < plies; p++) {
    const pos = game.positions[game.positions.length - 1];
    const board = Int8Array.from(pos.board);
    let chosen = null;
    for (let d = 1; d <= depth; d++) {
      const state = { nodes: 0, best: null };
      const score = search(state, board, pos.side, d, -MATE - 1, MATE + 1, 0);
      chosen = state.best;
      lines.push(`  ${pos.side === WHITE ? 'white' : 'black'} depth ${d}: ${chosen ? moveName(chosen) : '(none)'} score ${score} nodes ${state.nodes}`);
    }
    if (!chosen) break;
    const next = Int8Array.from(board);
    next[chosen.to] = chosen.promote ? chosen.promote | pos.side : board[chosen.from];
    next[chosen.from] = EMPTY;
    game.moves.push(moveName(chosen));
    game.positions.push({ board: next, side: pos.side ^ (WHITE | BLACK) });
  }
  return lines;
}

function diagram(pos) {
  const rows = [];
  for (let r = 0; r < 8; r++) {
    let row = '';
    for (let f = 0; f < 8; f++) {
      const p = pos.board[r * 16 + f];
      const ch = LETTERS[p & 7];
      row += (p & WHITE ? ch.toUpperCase() : ch) + ' ';
    }
    rows.push(`  ${8 - r} ${row}`);
  }
  rows.push('    a b c d e f g h');
  return rows.join('\n');
}

// a middlegame from the Italian game
const game = { positions: [fromFen('r1bq1rk1/pppp1ppp/2n2n2/2b1p3/2B1P3/2NP1N2/PPP2PPP/R1BQ1RK1 w')], moves: [] };
console.log(`chess: search to depth ${DEPTH}, ${PLIES} moves`);

async function main() {
  const offload = typeof snapvm === 'object' && snapvm.offload ? snapvm.offload : (fn, ...args) => Promise.resolve().then(() => fn(...args));
  const lines = await offload(play, game, DEPTH, PLIES);
  for (const l of lines) console.log(l);
  console.log(`moves: ${game.moves.join(' ')}`);
  console.log(diagram(game.positions[game.positions.length - 1]));
}
main();
