/**
 * A zip written byte by byte (entries stored, not compressed), so a test controls what zip tools differ in: the
 * bytes of each name and whether general-purpose flag bit 11 says they are UTF-8. No extra fields are written,
 * as Windows' own "send to compressed folder" writes none.
 */
import { crc32 } from 'node:zlib';

export interface StoredEntry {
  /** The name as stored in the zip. */
  readonly nameBytes: Uint8Array;
  readonly data: Uint8Array;
  /** Sets flag bit 11: the name is UTF-8. */
  readonly utf8Flag: boolean;
}

export function storedZip(entries: readonly StoredEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const crc = crc32(entry.data);
    const flags = entry.utf8Flag ? 0x0800 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(0, 8);
    local.writeUInt32LE(0, 10);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(entry.nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(entry.nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    const localRecord = Buffer.concat([local, entry.nameBytes, entry.data]);
    locals.push(localRecord);
    centrals.push(Buffer.concat([central, entry.nameBytes]));
    offset += localRecord.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
