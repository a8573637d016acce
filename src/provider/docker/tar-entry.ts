// A tar archive of one in-memory file, written deterministically.
import {Header} from 'tar'

const BLOCK = 512

export function tarOfOneFile(name: string, content: Buffer, mode = 0o644): Buffer {
  return tarOfFiles([{name, content, mode}])
}

/** Names may hold folders ("etc/x/y.conf"): Docker makes the missing ones when it unpacks the archive. */
export function tarOfFiles(files: {name: string; content: Buffer; mode?: number}[]): Buffer {
  const blocks = files.flatMap(({name, content, mode = 0o644}) => {
    const header = new Header({path: name, mode, size: content.length, mtime: new Date(0), uid: 0, gid: 0, type: 'File', uname: 'root', gname: 'root'})
    const headerBlock = Buffer.alloc(BLOCK)
    header.encode(headerBlock, 0)
    const padding = Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK)
    return [headerBlock, content, padding]
  })
  // Two zero blocks end an archive.
  return Buffer.concat([...blocks, Buffer.alloc(BLOCK * 2)])
}
