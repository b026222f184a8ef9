// Peer-wire codecs (BEP 3, 5, 6, 9, 10, 11): pure functions over Uint8Array, browser-safe.
export {
  decodeExtendedHandshake,
  EXTENDED_HANDSHAKE_ID,
  type ExtendedHandshake,
  encodeExtendedHandshake,
  MAX_CLIENT_NAME_BYTES,
  MAX_EXTENSION_NAME_BYTES,
  MAX_EXTENSION_NAMES,
} from './extension.ts';
export {
  DEFAULT_MAX_EXTENDED,
  FrameDecoder,
  type FrameDecoderOptions,
  MAX_BITFIELD_BYTES,
} from './frame-decoder.ts';
export {
  decodeHandshake,
  encodeHandshake,
  HANDSHAKE_LENGTH,
  type Handshake,
  type HandshakeInit,
  type HandshakeResult,
  makePeerId,
  PEER_ID_PREFIX,
  PROTOCOL_STRING,
} from './handshake.ts';
export {
  type BlockRef,
  decodeBody,
  encodeMessage,
  encodePieceHeader,
  FAST_IDS,
  FIXED_FRAME_LENGTH,
  isKnownId,
  isValidRequestLength,
  MessageId,
  type MessageIdValue,
  type PeerMessage,
  type PeerMessageType,
  PIECE_HEADER_BYTES,
} from './messages.ts';
export {
  decodeMetadataMessage,
  encodeMetadataMessage,
  MAX_METADATA_PIECES,
  MAX_UT_METADATA_MESSAGE,
  METADATA_PIECE_SIZE,
  type MetadataMessage,
  metadataPieceLength,
} from './ut-metadata.ts';
export {
  type DecodedPex,
  decodePex,
  encodePex,
  MAX_PEX_PEERS,
  PexFlag,
  type PexMessage,
  type PexPeer,
} from './ut-pex.ts';
