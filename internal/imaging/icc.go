package imaging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/kovidgoyal/imaging/prism/meta"
	"github.com/kovidgoyal/imaging/prism/meta/webpmeta"
	"github.com/pngd/pngd/internal/colour"
)

// ErrNoProfile means an image carries no ICC profile.
var ErrNoProfile = errors.New("no ICC profile")

// iccData returns the ICC profile data embeds, byte for byte: a JPEG's
// APP2 segments (a profile may span several), a PNG's iCCP, a WebP's ICCP
// chunk, a TIFF's tag 34675. The errors are ErrNoProfile, and any other
// for a profile that is there but cannot be read whole.
func iccData(f Format, data []byte) (p []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("reading the ICC profile: %v", r)
		}
	}()
	var md *meta.Data
	switch f {
	case PNG:
		return pngProfile(data)
	case TIFF:
		return tiffICC(data)
	case AVIF, HEIC:
		props := readHEIFProps(data)
		switch {
		case props.icc != nil:
			return props.icc, nil
		case props.nclx != nil:
			// No profile, but a colour description: one pngd writes,
			// kept in iCCP like an uploaded one.
			p, err := nclxProfile(*props.nclx)
			if p == nil && err == nil {
				return nil, ErrNoProfile
			}
			return p, err
		}
		return nil, ErrNoProfile
	case JPEG:
		return jpegICC(data)
	case WebP:
		md, err = webpmeta.ExtractMetadata(bytes.NewReader(data))
	default:
		return nil, ErrNoProfile
	}
	if err != nil {
		return nil, err
	}
	if md == nil {
		return nil, ErrNoProfile
	}
	p, err = md.ICCProfileData()
	switch {
	case err != nil:
		return nil, err
	case len(p) == 0:
		return nil, ErrNoProfile
	case len(p) > colour.MaxProfileBytes:
		return nil, fmt.Errorf("an ICC profile of %d bytes", len(p))
	}
	return p, nil
}

// Profile returns the ICC profile data embeds, parsed, or for HDR pixels
// (an AVIF's nclx or a PNG's cICP naming PQ or HLG) their HDR profile;
// ErrNoProfile when there is none.
func Profile(f Format, data []byte) (*colour.Profile, error) {
	if h, ok := hdrOf(f, data); ok {
		return colour.HDRProfile(h)
	}
	raw, err := iccData(f, data)
	if err != nil {
		return nil, err
	}
	return colour.Parse(raw)
}

// pngICC returns the profile in a PNG's iCCP chunk, inflated to at most
// colour.MaxProfileBytes: a few kilobytes of zlib can claim gigabytes.
func pngICC(data []byte) ([]byte, error) {
	for i := 8; i+12 <= len(data); {
		n := int64(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		end := int64(i) + 12 + n
		if end > int64(len(data)) {
			return nil, errors.New("a chunk runs past the end")
		}
		switch typ {
		case "IDAT", "IEND":
			return nil, ErrNoProfile
		case "iCCP":
			body := data[i+8 : i+8+int(n)]
			if crc32.ChecksumIEEE(data[i+4:i+8+int(n)]) != binary.BigEndian.Uint32(data[i+8+int(n):]) {
				return nil, errors.New("iCCP's checksum is wrong")
			}
			nul := bytes.IndexByte(body, 0)
			if nul < 1 || nul+2 > len(body) || body[nul+1] != 0 {
				return nil, errors.New("iCCP has no name or an unknown compression")
			}
			z, err := zlib.NewReader(bytes.NewReader(body[nul+2:]))
			if err != nil {
				return nil, err
			}
			p, err := io.ReadAll(io.LimitReader(z, colour.MaxProfileBytes+1))
			if err != nil {
				return nil, err
			}
			if len(p) > colour.MaxProfileBytes {
				return nil, fmt.Errorf("iCCP inflates past %d bytes", colour.MaxProfileBytes)
			}
			return p, nil
		}
		i = int(end)
	}
	return nil, ErrNoProfile
}

// tiffICC returns tag 34675 (InterColorProfile) of a TIFF's first IFD.
func tiffICC(t []byte) ([]byte, error) {
	order, ifd, ok := tiffIFD(t)
	if !ok {
		return nil, ErrNoProfile
	}
	count := int64(order.Uint16(t[ifd:]))
	for e := ifd + 2; e+12 <= int64(len(t)) && count > 0; e, count = e+12, count-1 {
		if order.Uint16(t[e:]) != 34675 {
			continue
		}
		if typ := order.Uint16(t[e+2:]); typ != 7 && typ != 1 { // UNDEFINED or BYTE
			return nil, errors.New("the TIFF's ICC tag has the wrong type")
		}
		n, off := int64(order.Uint32(t[e+4:])), int64(order.Uint32(t[e+8:]))
		if n <= 4 || n > colour.MaxProfileBytes || off+n > int64(len(t)) {
			return nil, errors.New("the TIFF's ICC tag points outside the file")
		}
		return t[off : off+n], nil
	}
	return nil, ErrNoProfile
}
