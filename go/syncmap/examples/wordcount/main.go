// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package main // counts the words of standard input in a named map

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"strconv"
	"syncmap"
)

func main() {
	m, err := syncmap.Open(os.Args[1])
	in := bufio.NewScanner(os.Stdin)
	for in.Split(bufio.ScanWords); err == nil && in.Scan(); {
		n, loaded, swapped := "", true, false // the first store wins, then +1
		for err == nil && loaded && !swapped {
			if n, loaded, err = m.LoadOrStore(in.Text(), "1"); err == nil && loaded {
				i, _ := strconv.Atoi(n)
				swapped, err = m.CompareAndSwap(in.Text(), n, strconv.Itoa(i+1))
			}
		}
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Len()) // the number of distinct words, and no error
}
