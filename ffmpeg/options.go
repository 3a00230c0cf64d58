// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

import (
	"fmt"

	"github.com/asticode/go-astiav"
)

// newOptions returns opts as a new AVDictionary, which the caller frees; an
// empty one when opts is empty, which FFmpeg takes as no options. The error
// names the entry av_dict_set refused ("option k=v: ..."), for the caller to
// prefix with its stage; nothing is left to free then.
func newOptions(opts map[string]string) (*astiav.Dictionary, error) {
	dict := astiav.NewDictionary()
	for k, v := range opts {
		if err := setOption(dict, k, v); err != nil {
			dict.Free()
			return nil, err
		}
	}
	return dict, nil
}

// setOption sets k to v in dict; the error names them.
func setOption(dict *astiav.Dictionary, k, v string) error {
	if err := dict.Set(k, v, 0); err != nil {
		return fmt.Errorf("option %s=%s: %w", k, v, err)
	}
	return nil
}
